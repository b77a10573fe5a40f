from decimal import Decimal

from django.db import migrations


def add(apps, schema_editor):
    apps.get_model("monitoring", "MonitoringLine").objects.update_or_create(
        province_code="00",
        year=2021,
        defaults={
            "amount": Decimal("6000"),
            "note": "National reference: 1.5 × the 2020 poverty line (≈4,000).",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("monitoring", "MonitoringLine").objects.filter(province_code="00", year=2021).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
