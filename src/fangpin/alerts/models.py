"""Alerts (预警) from every discovery channel in one queue, and the public self-reports (一键申报) behind some.

An alert is never deleted: it is confirmed (and then opens an identification case) or dismissed with a reason.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AlertLevel(models.TextChoices):
    RED = "red", _("red")
    ORANGE = "orange", _("orange")
    YELLOW = "yellow", _("yellow")


# Higher is more urgent: the queue sorts by it and a refresh keeps the higher of two levels.
LEVEL_RANK = {AlertLevel.RED: 3, AlertLevel.ORANGE: 2, AlertLevel.YELLOW: 1}


class AlertSource(models.TextChoices):
    RULE = "rule", _("screening rule")
    MODEL = "model", _("risk model")
    SELF_REPORT = "self_report", _("self-report")
    VISIT = "visit", _("cadre visit")
    FEED = "feed", _("department push")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    ASSIGNED = "assigned", _("assigned")
    CONFIRMED = "confirmed", _("confirmed")
    DISMISSED = "dismissed", _("dismissed")


# An alert in one of these states still waits for its visit; only one may exist per household and risk.
OPEN_STATUSES = (AlertStatus.OPEN, AlertStatus.ASSIGNED)


class Alert(models.Model):
    village = models.ForeignKey(
        "divisions.Division", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    # Empty for a self-report from someone the registry does not know yet: the village still has to visit.
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    risk_code = models.CharField(_("risk type"), max_length=4)
    # In context: the divisions' "level" is an administrative level (级别), an alert's is its urgency (等级).
    level = models.CharField(pgettext_lazy("alert", "level"), max_length=8, choices=AlertLevel.choices)
    source = models.CharField(_("source"), max_length=12, choices=AlertSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    run = models.ForeignKey(
        "screening.ScreeningRun",
        verbose_name=_("screening run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("time raised"))
    refreshed_at = models.DateTimeField(_("last confirmed by the data"), null=True, blank=True)
    first_visit_due = models.DateField(_("first visit due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_alerts",
    )
    assigned_at = models.DateTimeField(_("time assigned"), null=True, blank=True)
    visited_on = models.DateField(_("date visited"), null=True, blank=True)
    outcome_note = models.TextField(_("visit findings"), blank=True)
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)
    closed_at = models.DateTimeField(_("time closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "risk_code"],
                condition=Q(status__in=["open", "assigned"]),
                name="one_open_alert_per_household_and_risk",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["red", "orange", "yellow"]), name="alert_level_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "village"], name="alert_status_village"),
            models.Index(fields=["village", "raised_at"], name="alert_village_raised"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.risk_code} {self.level}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class SelfReport(models.Model):
    """一键申报: a difficulty reported by a person from the public page, without logging in.

    The phone number is personal data like an ID number: encrypted, a keyed hash for the per-phone limit and
    the status look-up, and the masked form (138****1234) for staff.
    """

    reference = models.CharField(_("confirmation number"), max_length=8, unique=True)
    # In context: the divisions' "name" is a place name (名称), a self-report's a person's name (姓名).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    phone_encrypted = models.BinaryField(_("phone (encrypted)"))
    phone_hash = models.CharField(_("phone keyed hash"), max_length=64, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=11)
    village = models.ForeignKey(
        "divisions.Division", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    difficulty = models.CharField(_("difficulty"), max_length=16)
    text = models.TextField(_("description"), blank=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.PROTECT, related_name="self_reports"
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        indexes = [models.Index(fields=["phone_hash", "submitted_at"], name="selfreport_phone_time")]

    def __str__(self) -> str:
        return self.reference
