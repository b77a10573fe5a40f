from django.contrib import admin

from fangpin.core.admin import AuditedModelAdmin
from fangpin.divisions.models import Division


@admin.register(Division)
class DivisionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
