from django.db import migrations

# The three categories in force until 2026, and the unified category the 2026 policy introduces (off until
# the province switches; the category set is configuration).
CATEGORIES = [
    ("unstable-formerly-poor", "脱贫不稳定户", "unstable formerly poor household", True, 1),
    ("marginal", "边缘易致贫户", "marginal household prone to poverty", True, 2),
    ("sudden-hardship", "突发严重困难户", "household in sudden severe hardship", True, 3),
    ("unified", "防止返贫致贫对象", "household monitored against (return to) poverty", False, 4),
]


def add(apps, schema_editor):
    Category = apps.get_model("registry", "Category")
    for code, zh, en, active, order in CATEGORIES:
        Category.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "is_active": active, "sort_order": order}
        )


def remove(apps, schema_editor):
    apps.get_model("registry", "Category").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
