from django.contrib import admin

from fangpin.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `fangpin api_token create` (the token is shown once); here they are listed."""

    list_display = ["label", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "label", "token_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
