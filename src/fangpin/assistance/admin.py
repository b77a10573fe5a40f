"""Configuration only: the catalogue and the suggestions by risk type. Plans and visits change through the
audited services, not the admin."""

from django.contrib import admin

from fangpin.assistance.models import MeasureType, RiskSuggestion
from fangpin.core.admin import AuditedModelAdmin


@admin.register(MeasureType)
class MeasureTypeAdmin(AuditedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "is_active", "sort_order"]
    list_editable = ["kind", "is_active", "sort_order"]


@admin.register(RiskSuggestion)
class RiskSuggestionAdmin(AuditedModelAdmin):
    list_display = ["risk_code", "measure_type", "advice_zh", "advice_en", "sort_order"]
    list_filter = ["risk_code"]
