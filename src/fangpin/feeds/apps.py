from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "fangpin.feeds"
    label = "feeds"
    verbose_name = _("Department data")

    def ready(self) -> None:
        # The shipped schema versions are default data, installed the way Django installs permissions.
        post_migrate.connect(_install_default_schemas, sender=self, dispatch_uid="fangpin.feeds.schemas")


def _install_default_schemas(sender, using="default", **kwargs) -> None:
    from fangpin.feeds.services import feed_schemas_install_defaults

    feed_schemas_install_defaults()
