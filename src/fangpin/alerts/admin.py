"""Read-only views of the queue for administrators: alerts change only through the audited services."""

from django.contrib import admin

from fangpin.alerts.models import Alert, SelfReport


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # nothing on the queue is ever deleted


@admin.register(Alert)
class AlertAdmin(_ReadOnly):
    list_display = ["id", "village", "household", "risk_code", "level", "source", "status", "first_visit_due"]
    list_filter = ["status", "level", "source"]
    raw_id_fields = ["household", "run", "assigned_to", "closed_by"]


@admin.register(SelfReport)
class SelfReportAdmin(_ReadOnly):
    list_display = ["reference", "village", "phone_masked", "difficulty", "submitted_at"]
    exclude = ["phone_encrypted", "phone_hash"]
