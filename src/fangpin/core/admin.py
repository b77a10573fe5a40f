"""Admin pages write through Django's admin; this base class puts each of those writes in the audit log."""

from django.contrib import admin

from fangpin.audit.services import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    def log_addition(self, request, obj, message):
        audit_record(actor=request.user, action="admin.add", obj=obj, data={"message": str(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(actor=request.user, action="admin.change", obj=obj, data={"message": str(message)})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.delete", obj=obj)
        return super().log_deletions(request, queryset)
