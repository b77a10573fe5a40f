from django.contrib import admin

from fangpin.core.admin import AuditedModelAdmin
from fangpin.feeds.models import FeedBatch, FeedSchema, HeaderMapping


@admin.register(FeedSchema)
class FeedSchemaAdmin(AuditedModelAdmin):
    list_display = ["source", "version", "is_active", "created_at"]
    list_filter = ["source", "is_active"]


@admin.register(HeaderMapping)
class HeaderMappingAdmin(AuditedModelAdmin):
    list_display = ["department", "schema", "file_header", "column"]


@admin.register(FeedBatch)
class FeedBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "schema",
        "department",
        "file_name",
        "status",
        "rows_total",
        "rows_invalid",
        "started_at",
    ]
    list_filter = ["status", "department"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
