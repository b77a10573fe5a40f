from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from fangpin.accounts.models import User
from fangpin.core.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "role", "division", "department", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["division"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Role and jurisdiction"), {"fields": ["role", "division", "department", "phone"]}),
    ]
