"""Code lists of assistance: what kind a measure is, where it stands, and how urgent a household's follow-up is.

Stored values are short English slugs; the Chinese policy term is in each label (and in docs/glossary.md).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeasureKind(models.TextChoices):
    # 开发式帮扶 builds the household's own earning power; 保障性帮扶 secures its living. A household with labour
    # must get at least one development measure (DESIGN.md §2.5).
    DEVELOPMENT = "development", _("development (开发式帮扶)")
    PROTECTION = "protection", _("protection and support (保障性帮扶)")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("in force")
    # A context on short words other apps use too: Django merges every catalogue and the one that takes
    # precedence wins ("failed" is a failed import in the package's, "closed" a closing time in the cases').
    CLOSED = "closed", pgettext_lazy("assistance plan", "closed")


class DeliveryStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", pgettext_lazy("measure delivery", "failed")


class FollowUpLevel(models.TextChoices):
    """The household's warning level, which sets how often it is visited (monthly for red)."""

    RED = "red", _("red")
    ORANGE = "orange", _("orange")
    YELLOW = "yellow", _("yellow")


class VisitSource(models.TextChoices):
    WEB = "web", _("entered on the web")
    XLSFORM = "xlsform", _("ODK / KoboCollect submission")
