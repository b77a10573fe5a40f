"""Cases (识别认定, 风险消除), their step records, attachments, public notices (公示) and objections.

Nothing here is ever deleted: a case ends in a state (approved, rejected, cancelled, …) and keeps its steps.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangpin.cases.rules import DeadlineState, Reason
from fangpin.cases.workflow import Kind, State, Step
from fangpin.registry.codes import EliminationMethod

KIND_LABELS = {
    Kind.IDENTIFICATION: _("identification (识别认定)"),
    Kind.ELIMINATION: _("risk elimination (风险消除)"),
}
STATE_LABELS = {
    State.CONSENT: _("waiting for consent"),
    State.VERIFICATION: _("waiting for home verification"),
    State.CROSSCHECK: _("waiting for data cross-check"),
    State.APPRAISAL: _("waiting for village appraisal"),
    State.NOTICE: _("waiting for public notice"),
    State.IN_NOTICE: _("under public notice"),
    State.TOWNSHIP_REVIEW: _("waiting for township review"),
    State.COUNTY_APPROVAL: _("waiting for county approval"),
    State.APPROVED: _("approved and announced"),
    State.ELIGIBILITY: _("waiting for eligibility check"),
    State.COUNTY_DECISION: _("waiting for county decision"),
    State.NOT_ELIGIBLE: _("not yet eligible (暂不标注风险消除)"),
    State.ELIMINATED: _("risk eliminated"),
    State.ROLLED_BACK: _("rolled back (风险消除回退)"),
    State.REJECTED: _("rejected"),
    State.CANCELLED: _("cancelled"),
}
STEP_LABELS = {
    Step.CONSENT: _("consent and data-check authorisation"),
    Step.VERIFY: _("home verification"),
    Step.CROSSCHECK: _("data cross-check"),
    Step.APPRAISE: _("village democratic appraisal"),
    Step.PUBLISH_NOTICE: _("public notice published"),
    Step.RECORD_OBJECTION: _("objection recorded"),
    Step.CLOSE_NOTICE: _("public notice closed"),
    Step.REVIEW: _("township review"),
    Step.APPROVE: _("county approval"),
    Step.FIND_ELIGIBLE: _("eligibility check: eligible"),
    Step.FIND_NOT_ELIGIBLE: _("eligibility check: not eligible"),
    Step.ELIMINATE: _("county decision: risk eliminated"),
    Step.ROLLBACK: _("rollback (风险消除回退)"),
    Step.REJECT: _("rejected"),
    Step.SEND_BACK: _("sent back for correction"),
    Step.CANCEL: _("cancelled"),
    Step.GREEN_CHANNEL: _("green channel opened"),
}
# What the form of each step says on its heading and button: what the user is about to do, where STEP_LABELS
# name the step once it is in the history ("cancelled" is a record, "Cancel the case" a button).
ACTION_LABELS = {
    Step.CONSENT: _("Record consent and data-check authorisation"),
    Step.VERIFY: _("Record the home verification"),
    Step.CROSSCHECK: _("Record the data cross-check"),
    Step.APPRAISE: _("Record the village democratic appraisal"),
    Step.PUBLISH_NOTICE: _("Publish the public notice"),
    Step.RECORD_OBJECTION: _("Record an objection"),
    Step.CLOSE_NOTICE: _("Close the public notice"),
    Step.REVIEW: _("Pass the township review"),
    Step.APPROVE: _("Approve and announce"),
    Step.FIND_ELIGIBLE: _("Record the eligibility check"),
    Step.FIND_NOT_ELIGIBLE: _("Record the eligibility check"),
    Step.ELIMINATE: _("Decide: risk eliminated"),
    Step.ROLLBACK: _("Roll back the elimination (风险消除回退)"),
    Step.REJECT: _("Reject the case"),
    Step.SEND_BACK: _("Send back for correction"),
    Step.CANCEL: _("Cancel the case"),
    Step.GREEN_CHANNEL: _("Open the green channel"),
}
DEADLINE_LABELS = {
    DeadlineState.ON_TIME: _("on time"),
    DeadlineState.ORANGE: _("due soon"),
    # In context: the alerts' catalogue, loaded first, says "overdue" its own way; the inbox says it this way.
    DeadlineState.RED: pgettext_lazy("deadline", "overdue"),
}
REASON_LABELS = {
    Reason.INCOME_NOT_STABLE: _("income has not been stably above the line long enough"),
    Reason.EDUCATION: _("compulsory education is not secure"),
    Reason.MEDICAL: _("basic medical insurance is not secure"),
    Reason.HOUSING: _("housing is not safe"),
    Reason.WATER: _("drinking water is not secure"),
    Reason.RIGID_EXPENSE: _("a rigid expense is not under control"),
    Reason.NO_LABOUR_ON_PROTECTION: _("a household without labour living on protection (暂不标注风险消除)"),
}


class Decision(models.TextChoices):
    DONE = "done", _("done")
    REJECTED = "rejected", _("rejected")
    SENT_BACK = "sent_back", _("sent back")


class AttachmentKind(models.TextChoices):
    CONSENT_FORM = "consent_form", _("signed consent form")
    PHOTO = "photo", _("photo")
    OTHER = "other", _("other document")


class CaseFileStorage(FileSystemStorage):
    """Scanned forms and photos under FANGPIN_DATA_DIR/cases (never in the static or media tree: they are
    personal data, served only through a scoped, audited view)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(Path(settings.DATA_DIR) / "cases")

    @property
    def location(self) -> str:  # type: ignore[override]
        return self.base_location


def case_file_storage() -> CaseFileStorage:
    return CaseFileStorage()


class Case(models.Model):
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=list(KIND_LABELS.items()))
    state = models.CharField(_("state"), max_length=16, choices=list(STATE_LABELS.items()))
    opened_at = models.DateTimeField(_("opened"))
    # When the clock starts: the alert's date for a case opened from an alert, else the opening date.
    started_on = models.DateField(_("clock started"))
    due_on = models.DateField(_("whole procedure due"))
    step_due_on = models.DateField(_("current step due"), null=True, blank=True)
    deadline_state = models.CharField(
        _("deadline"), max_length=8, choices=list(DEADLINE_LABELS.items()), default=DeadlineState.ON_TIME
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    category = models.ForeignKey(
        "registry.Category",
        verbose_name=_("proposed category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    risk_codes = models.JSONField(_("proposed risk types"), default=list, blank=True)
    elimination_method = models.CharField(
        _("elimination method"), max_length=8, choices=EliminationMethod.choices, blank=True
    )
    is_green_channel = models.BooleanField(
        _("green channel (urgent measures before approval)"), default=False
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("earlier case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later_cases",
    )
    # The alert that started the case; a plain id until the alerts app links "alert confirmed → case opened".
    alert_id = models.PositiveBigIntegerField(_("alert"), null=True, blank=True)
    notice = models.ForeignKey(
        "PublicNotice",
        verbose_name=_("public notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            # One procedure at a time per household: a second open case would race the first.
            models.UniqueConstraint(
                fields=["household"], condition=Q(closed_at__isnull=True), name="case_one_open_per_household"
            ),
        ]
        indexes = [models.Index(fields=["state", "step_due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseStep(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(_("step"), max_length=20, choices=list(STEP_LABELS.items()))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.DONE)
    from_state = models.CharField(_("from"), max_length=16, choices=list(STATE_LABELS.items()))
    to_state = models.CharField(_("to"), max_length=16, choices=list(STATE_LABELS.items()))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    acted_at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    # The step's own fields (income components, attendance, appraisal result …), written from a frozen
    # dataclass of the step by the service that records it.
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["acted_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments"
    )
    step = models.ForeignKey(
        CaseStep,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), storage=case_file_storage, upload_to="%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class PublicNotice(models.Model):
    """A village's public notice (公示). Its entries are copies made at publication, of public fields only."""

    village = models.ForeignKey(
        "divisions.Division", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=list(KIND_LABELS.items()))
    starts_on = models.DateField(_("notice from"))
    ends_on = models.DateField(_("notice until"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.starts_on}–{self.ends_on}"


class NoticeEntry(models.Model):
    """One line of a notice: name, village, category and risk type — never an ID number, phone, bank account
    or health detail (the notice is posted on the village board and printed)."""

    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("public notice"), on_delete=models.PROTECT, related_name="entries"
    )
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("head of household"), max_length=40)
    village_name = models.CharField(_("village"), max_length=64)
    category = models.ForeignKey(
        "registry.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    risk_codes = models.JSONField(_("risk types"), default=list, blank=True)

    class Meta:
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Objection(models.Model):
    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("public notice"), on_delete=models.PROTECT, related_name="objections"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("received"))
    content = models.TextField(_("objection"))
    resolution = models.TextField(_("how it was resolved"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_on}"
