from django.db import migrations

from fangpin.assistance.catalogue import MEASURE_TYPES, SUGGESTIONS


def add(apps, schema_editor):
    MeasureType = apps.get_model("assistance", "MeasureType")
    RiskSuggestion = apps.get_model("assistance", "RiskSuggestion")
    types = {}
    for order, t in enumerate(MEASURE_TYPES, start=1):
        types[t.code], _ = MeasureType.objects.update_or_create(
            code=t.code,
            defaults={"name_zh": t.name_zh, "name_en": t.name_en, "kind": t.kind, "note": t.note, "sort_order": order},
        )
    for order, s in enumerate(SUGGESTIONS, start=1):
        RiskSuggestion.objects.update_or_create(
            risk_code=s.risk_code,
            measure_type=types[s.measure_type],
            defaults={"advice_zh": s.advice_zh, "advice_en": s.advice_en, "sort_order": order},
        )


def remove(apps, schema_editor):
    apps.get_model("assistance", "RiskSuggestion").objects.all().delete()
    apps.get_model("assistance", "MeasureType").objects.filter(code__in=[t.code for t in MEASURE_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
