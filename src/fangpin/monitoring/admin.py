from django.contrib import admin

from fangpin.core.admin import AuditedModelAdmin
from fangpin.monitoring.models import MonitoringLine, TimeLimit


@admin.register(MonitoringLine)
class MonitoringLineAdmin(AuditedModelAdmin):
    list_display = ["province_code", "year", "amount", "note"]


@admin.register(TimeLimit)
class TimeLimitAdmin(AuditedModelAdmin):
    list_display = ["key", "amount", "unit", "note"]
