"""Department data feeds (部门筛查预警): schemas, uploaded batches and the rows that need a person's attention.

Valid, matched rows go to the Parquet store (partitioned by source and period), where screening reads them;
the database keeps each batch's record and the rows that failed validation or matched ambiguously, so that
nothing a department sent is lost.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class FeedSchema(models.Model):
    """One version of one source's declarative schema (columns, types, code lists, Chinese header aliases).
    Editable in the admin without code; a new version is a new row, so old batches keep their meaning."""

    source = models.SlugField(_("source"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("feed schema")
        verbose_name_plural = _("feed schemas")
        ordering = ["source", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["source", "version"], name="one_schema_per_source_version")
        ]

    def __str__(self) -> str:
        return f"{self.source} v{self.version}"

    @property
    def name(self) -> str:
        """The source's name in the interface language, as its definition gives it."""
        key = "name_zh" if (get_language() or "").startswith("zh") else "name_en"
        return str(self.definition.get(key) or self.source)


class HeaderMapping(models.Model):
    """An officer's answer to "which column is this header?", remembered for their department and schema version."""

    department = models.CharField(_("department"), max_length=32)
    schema = models.ForeignKey(FeedSchema, verbose_name=_("feed schema"), on_delete=models.CASCADE)
    file_header = models.CharField(_("header in the file"), max_length=200)
    column = models.CharField(_("schema column"), max_length=64)

    class Meta:
        verbose_name = _("header mapping")
        verbose_name_plural = _("header mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "schema", "file_header"], name="one_mapping_per_header"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_header} → {self.column}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("importing")
    DONE = "done", _("imported")
    FAILED = "failed", _("failed")


class FeedBatch(models.Model):
    schema = models.ForeignKey(FeedSchema, verbose_name=_("feed schema"), on_delete=models.PROTECT)
    department = models.CharField(_("department"), max_length=32)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file hash"), max_length=64, db_index=True)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    period_start = models.DateField(_("first period"), null=True, blank=True)
    period_end = models.DateField(_("last period"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_invalid = models.PositiveIntegerField(_("invalid rows"), default=0)
    rows_matched = models.PositiveIntegerField(_("matched rows"), default=0)
    rows_ambiguous = models.PositiveIntegerField(_("ambiguous rows"), default=0)
    rows_unmatched = models.PositiveIntegerField(_("unmatched rows"), default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    store_path = models.CharField(_("Parquet file"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("feed batch")
        verbose_name_plural = _("feed batches")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.schema} {self.file_name}"

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RowStatus(models.TextChoices):
    INVALID = "invalid", _("invalid")
    AMBIGUOUS = "ambiguous", _("ambiguous match")
    RESOLVED = "resolved", _("resolved")


class FeedRow(models.Model):
    """A row that needs a person: invalid (with the first problem per column), or matched to more than one
    member. Valid rows live in the Parquet store."""

    batch = models.ForeignKey(
        FeedBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="rows"
    )
    row_number = models.PositiveIntegerField(_("row in the file"))
    status = models.CharField(_("status"), max_length=12, choices=RowStatus.choices)
    column = models.CharField(_("column"), max_length=64, blank=True)
    code = models.CharField(_("problem"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    # [header, value] pairs in the file's order (a JSON object would lose the order in PostgreSQL's jsonb).
    raw = models.JSONField(_("row as sent"), default=list)
    candidates = models.JSONField(_("candidate members"), default=list, blank=True)
    resolved_member = models.ForeignKey(
        "registry.Member", verbose_name=_("matched member"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("feed row")
        verbose_name_plural = _("feed rows")
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["batch", "status", "row_number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.status}"

    @property
    def sent(self) -> dict[str, str]:
        """The row as sent, header → cell."""
        return dict(self.raw)

    @property
    def sent_headers(self) -> list[str]:
        return [header for header, _value in self.raw]
