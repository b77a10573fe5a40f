from django.contrib import admin

from fangpin.core.admin import AuditedModelAdmin
from fangpin.monitoring.models import MonitoringLine


@admin.register(MonitoringLine)
class MonitoringLineAdmin(AuditedModelAdmin):
    list_display = ["province_code", "year", "amount", "note"]
