"""Rule sets (versioned, validated on save), the screening runs that evaluate them, and the data-quality runs
(数据质量校验) with the issues each found: the county's "screen → fix → re-screen" history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RulePurpose(models.TextChoices):
    SCREENING = "screening", _("screening")
    QUALITY = "quality", _("data quality")


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class RuleSet(models.Model):
    """One version of a rule set: the YAML text as written and its parsed definition.

    A version is never edited once active; an edit is saved as a new draft version, dry-run, then activated,
    which retires the version before it. Alerts and runs keep pointing at the version that produced them.
    """

    purpose = models.CharField(
        _("purpose"), max_length=12, choices=RulePurpose.choices, default=RulePurpose.SCREENING
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=8, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    source = models.TextField(_("rules (YAML)"))
    definition = models.JSONField(_("parsed rules"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="one_rule_set_per_version"),
            models.UniqueConstraint(
                fields=["purpose"], condition=Q(status="active"), name="one_active_rule_set_per_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"


class RunKind(models.TextChoices):
    RUN = "run", _("screening")
    DRY_RUN = "dry_run", _("dry run")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Engine(models.TextChoices):
    DUCKDB = "duckdb", "DuckDB"
    SPARK = "spark", "PySpark"


class ScreeningRun(models.Model):
    """One evaluation of a rule set over the registry snapshot and the imported feeds.

    It records everything needed to say why an alert was raised: the rule-set version, the monitoring line,
    the snapshot, the feed batches read and the months that were missing.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=RunKind.choices, default=RunKind.RUN)
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT)
    engine = models.CharField(_("engine"), max_length=8, choices=Engine.choices, default=Engine.DUCKDB)
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    as_of = models.DateField(_("screening month"))
    monitoring_line = models.ForeignKey(
        "monitoring.MonitoringLine",
        verbose_name=_("monitoring line"),
        null=True,
        on_delete=models.PROTECT,
    )
    line_amount = models.DecimalField(_("line used (yuan)"), max_digits=10, decimal_places=2, null=True)
    snapshot_id = models.CharField(_("registry snapshot"), max_length=64, blank=True)
    inputs = models.JSONField(_("feed batches read"), default=dict)
    missing_months = models.JSONField(_("missing feed months"), default=list)
    households = models.PositiveIntegerField(_("households screened"), default=0)
    hits = models.PositiveIntegerField(_("households flagged"), default=0)
    alerts_created = models.PositiveIntegerField(_("alerts raised"), default=0)
    alerts_refreshed = models.PositiveIntegerField(_("alerts refreshed"), default=0)
    counts = models.JSONField(_("households flagged per rule and township"), default=dict)
    message = models.TextField(_("message"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # "host:pid" of the process evaluating the run, so a run whose process is gone is known at once.
    worker = models.CharField(_("worker process"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.rule_set})"


class QualityTrigger(models.TextChoices):
    MONTHLY = "monthly", _("monthly check")
    IMPORT = "import", _("after an import")
    MANUAL = "manual", _("run by hand")


class Severity(models.TextChoices):
    # A quality rule's `level` in the rule language, read as severity: red must be fixed before reporting.
    RED = "red", pgettext_lazy("quality", "must fix")
    ORANGE = "orange", pgettext_lazy("quality", "should fix")
    YELLOW = "yellow", pgettext_lazy("quality", "check")


class QualityRun(models.Model):
    """One run of the active quality rule set over the whole registry, and how it compares with the run before."""

    rule_set = models.ForeignKey(
        "screening.RuleSet", verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="quality_runs"
    )
    trigger = models.CharField(_("trigger"), max_length=8, choices=QualityTrigger.choices)
    as_of = models.DateField(_("checked on"))
    households = models.PositiveIntegerField(_("households checked"), default=0)
    issues = models.PositiveIntegerField(_("issues"), default=0)
    new_issues = models.PositiveIntegerField(_("new issues"), default=0)
    still_open = models.PositiveIntegerField(_("issues still open"), default=0)
    fixed = models.PositiveIntegerField(_("issues fixed since the last run"), default=0)
    # Per national rule code: {"issues": n, "new": n, "fixed": n}.
    counts = models.JSONField(_("counts per rule"), default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))

    class Meta:
        verbose_name = _("data-quality run")
        verbose_name_plural = _("data-quality runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.as_of:%Y-%m-%d} #{self.pk}"


class QualityIssue(models.Model):
    """One rule that one household breaks in one run, explained in both interface languages."""

    run = models.ForeignKey(QualityRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="found")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField(_("village"), max_length=12)
    township_code = models.CharField(_("township"), max_length=12)
    rule_code = models.CharField(_("rule"), max_length=20)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    values = models.JSONField(_("values"), default=dict)
    is_new = models.BooleanField(_("new in this run"), default=True)

    class Meta:
        verbose_name = _("data-quality issue")
        verbose_name_plural = _("data-quality issues")
        ordering = ["village_code", "household_id", "rule_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "household", "rule_code"], name="quality_issue_once_per_run"
            )
        ]
        indexes = [models.Index(fields=["run", "village_code"])]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.household_id}"

    def explanation(self, language: str) -> str:
        return self.explanation_zh if language.lower().startswith("zh") else self.explanation_en
