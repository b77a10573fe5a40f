from django.contrib import admin

from fangpin.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "actor_username", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["actor_username", "object_id", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
