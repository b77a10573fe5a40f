"""Configuration only: household files are changed through the app's audited services, not the admin."""

from django.contrib import admin

from fangpin.core.admin import AuditedModelAdmin
from fangpin.registry.models import Category


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
