"""Assistance plans (帮扶计划) and their measures (帮扶措施), the catalogue they come from, and follow-up visits
(跟踪回访). Nothing here is deleted: measures change status, plans close, and every change has a history row."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel, MeasureKind, PlanStatus, VisitSource
from fangpin.registry.codes import RiskType


class MeasureType(models.Model):
    """One entry of the assistance catalogue (帮扶措施类型, DESIGN.md §3). Configuration, edited in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    # In context: a case's or a run's "kind" is its type (类型), a measure's is development or protection (类别).
    kind = models.CharField(pgettext_lazy("measure", "kind"), max_length=12, choices=MeasureKind.choices)
    # Why the type is development or protection: the rule "labour → a development measure" depends on it.
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("measure type")
        verbose_name_plural = _("measure types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def label(self) -> str:
        """The name in the interface language (as web.display.category_label does for categories)."""
        if (get_language() or "zh").startswith("zh"):
            return self.name_zh
        return self.name_en or self.name_zh


class RiskSuggestion(models.Model):
    """A measure type suggested for a risk type (illness → health assistance). A two-digit code also covers its
    four-digit sub-types (02 natural disaster covers 0201 flood)."""

    risk_code = models.CharField(_("risk type"), max_length=4, choices=RiskType.choices)
    measure_type = models.ForeignKey(
        MeasureType, verbose_name=_("measure type"), on_delete=models.PROTECT, related_name="suggestions"
    )
    advice_zh = models.CharField(_("advice (Chinese)"), max_length=200, blank=True)
    advice_en = models.CharField(_("advice (English)"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("suggested measure")
        verbose_name_plural = _("suggested measures")
        ordering = ["risk_code", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk_code", "measure_type"], name="one_suggestion_per_risk_and_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.risk_code} → {self.measure_type}"


class Plan(models.Model):
    """A monitored household's assistance plan (帮扶计划); one in force per household."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="plans"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    # Until alerts carry a level we can read cheaply, the plan records it: red is visited monthly, others
    # quarterly (time limits follow_up_red / follow_up_other).
    level = models.CharField(
        _("warning level"), max_length=8, choices=FollowUpLevel.choices, default=FollowUpLevel.YELLOW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assistance plan")
        verbose_name_plural = _("assistance plans")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="active"), name="one_active_plan_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.created_at:%Y-%m-%d}"


class Measure(models.Model):
    """One measure of a plan, tied to one of the household's risk types."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="measures")
    risk_code = models.CharField(_("risk type"), max_length=4, choices=RiskType.choices)
    measure_type = models.ForeignKey(
        MeasureType, verbose_name=_("measure type"), on_delete=models.PROTECT, related_name="measures"
    )
    provider = models.CharField(_("provider"), max_length=120)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PLANNED
    )
    delivered_on = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_note = models.CharField(_("delivery note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["start_date", "id"]

    def __str__(self) -> str:
        return f"{self.measure_type_id} {self.risk_code}"


class Visit(models.Model):
    """A follow-up visit (跟踪回访): what was found, the income re-assessed, and each measure's delivery."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("visit date"))
    # (In context: the cases app's "findings" are a verification's, and its catalogue is loaded first.)
    findings = models.TextField(pgettext_lazy("follow-up visit", "findings"), blank=True)
    income_record = models.ForeignKey(
        "registry.IncomeRecord",
        verbose_name=_("income recorded"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=VisitSource.choices, default=VisitSource.WEB)
    # ODK's meta/instanceID of an imported submission: importing the same submission twice is a no-op.
    instance_id = models.CharField(_("submission id"), max_length=80, blank=True)
    submitted_by = models.CharField(_("submitted by"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        indexes = [models.Index(fields=["household", "visited_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["instance_id"], condition=~Q(instance_id=""), name="one_visit_per_submission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


class VisitMeasure(models.Model):
    """The delivery status of one measure as a visit found it."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="measures"
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="visit_reports"
    )
    status = models.CharField(_("delivery"), max_length=10, choices=DeliveryStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("measure delivery seen on a visit")
        verbose_name_plural = _("measure deliveries seen on visits")
        constraints = [
            models.UniqueConstraint(fields=["visit", "measure"], name="one_report_per_visit_measure")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.measure_id} {self.status}"
