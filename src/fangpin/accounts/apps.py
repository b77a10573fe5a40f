from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangpin.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from fangpin.accounts import audit_hooks

        # Django's authentication signals are the only hook into its log-in views.
        signals.user_logged_in.connect(audit_hooks.on_login, dispatch_uid="fangpin.audit.login")
        signals.user_logged_out.connect(audit_hooks.on_logout, dispatch_uid="fangpin.audit.logout")
        signals.user_login_failed.connect(
            audit_hooks.on_login_failed, dispatch_uid="fangpin.audit.login_failed"
        )
