"""Opening cases and their steps, one service per transition (识别认定 and 风险消除)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangpin.accounts.roles import Role, can_edit_registry
from fangpin.audit.services import audit_record
from fangpin.cases import workflow
from fangpin.cases.attachments import attachment_store
from fangpin.cases.deadlines import case_due_on, step_due
from fangpin.cases.models import REASON_LABELS, AttachmentKind, Case, Decision
from fangpin.cases.rules import EligibilityFacts, eligibility
from fangpin.cases.selectors import case_get_for_update, case_latest_closed, case_open_for_household
from fangpin.cases.services._base import (
    as_json,
    audited_refusals,
    household_update,
    not_future,
    required_reason,
    risk_codes_clean,
    step_check,
    step_record,
)
from fangpin.cases.workflow import Kind, State, Step
from fangpin.core import clock
from fangpin.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from fangpin.monitoring.selectors import time_limit
from fangpin.registry.codes import EliminationMethod, MonitoringStatus
from fangpin.registry.income import IncomeComponents, income_per_person
from fangpin.registry.models import Category, Household
from fangpin.registry.selectors import household_get


@audited_refusals("case.open")
def case_open_identification(
    *,
    actor,
    household_id: int,
    risk_codes: Sequence[str] = (),
    started_on: dt.date | None = None,
    alert_id: int | None = None,
    note: str = "",
) -> Case:
    """Open an identification (识别认定) for a household: the single entry point, also for a confirmed alert.

    `started_on` is when the clock starts (the alert's date); the first visit and the whole procedure are due
    within the configured working days of it. A household that had its risk eliminated re-enters monitoring
    through a new case linked to its last one.
    """
    return _open(
        actor=actor,
        household_id=household_id,
        kind=Kind.IDENTIFICATION,
        risk_codes=risk_codes_clean(risk_codes, required=False),
        started_on=started_on,
        alert_id=alert_id,
        note=note,
    )


@audited_refusals("case.open")
def case_open_elimination(*, actor, household_id: int, note: str = "") -> Case:
    """Open a risk elimination (风险消除) for a monitored household."""
    return _open(actor=actor, household_id=household_id, kind=Kind.ELIMINATION, note=note)


_OPENABLE = {
    Kind.IDENTIFICATION: {MonitoringStatus.NORMAL, MonitoringStatus.ELIMINATED},
    Kind.ELIMINATION: {MonitoringStatus.MONITORED},
}


def openable_kinds(status: str) -> list[Kind]:
    """The procedures a household in `status` can start: identification before monitoring (or after an
    elimination), risk elimination while monitored; none once it has left."""
    return [kind for kind, statuses in _OPENABLE.items() if status in statuses]


def _open(
    *,
    actor,
    household_id: int,
    kind: Kind,
    risk_codes: list[str] | None = None,
    started_on: dt.date | None = None,
    alert_id: int | None = None,
    note: str = "",
) -> Case:
    household = Household.objects.select_for_update(of=("self",)).filter(
        pk=household_get(actor=actor, household_id=household_id).pk
    )[0]
    if not can_edit_registry(Role(actor.role)):
        raise PermissionDenied(_("Your role cannot open a case."))
    if household.status not in _OPENABLE[kind]:
        message = {
            Kind.IDENTIFICATION: _(
                "This household is already monitored (or has left); it needs no identification."
            ),
            Kind.ELIMINATION: _("Only a monitored household can have its risk eliminated."),
        }[kind]
        raise TransitionNotAllowed(message)
    if case_open_for_household(household_id=household.pk) is not None:
        raise TransitionNotAllowed(_("This household already has an open case; finish or cancel it first."))
    today = clock.today()
    started_on = started_on or today
    not_future(started_on, "started_on")
    previous = case_latest_closed(household_id=household.pk)
    case = Case(
        household=household,
        kind=kind,
        state=workflow.FIRST_STATE[kind],
        opened_at=timezone.now(),
        started_on=started_on,
        due_on=case_due_on(kind=kind, started_on=started_on),
        category=household.category if kind == Kind.ELIMINATION else None,
        risk_codes=risk_codes if kind == Kind.IDENTIFICATION else list(household.risk_codes),
        previous=previous,
        alert_id=alert_id,
        created_by=actor,
    )
    case.step_due_on = step_due(case)
    case.save()
    audit_record(
        actor=actor,
        action="case.open",
        obj=case,
        data={
            "kind": kind,
            "household": household.number,
            "previous": previous.pk if previous else None,
            "alert": alert_id,
            "note": note,
        },
    )
    return case


# --- identification steps


@dataclass(frozen=True)
class ConsentData:
    """承诺授权: the household agrees to the check of its data, by a signed form or the cadre's attestation."""

    method: Literal["form", "attestation"]
    signed_on: dt.date
    attestation: str = ""


@audited_refusals("case.consent")
def case_consent_record(*, actor, case_id: int, data: ConsentData, scan: UploadedFile | None = None) -> Case:
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.CONSENT, actor)
    not_future(data.signed_on, "signed_on")
    if data.method == "form" and scan is None:
        raise ValidationError(_("Upload the scanned consent form."), field="scan")
    if data.method == "attestation" and not data.attestation.strip():
        raise ValidationError(
            _("Write how the household gave its consent (who, when, in whose presence)."), field="attestation"
        )
    if data.method not in ("form", "attestation"):
        raise ValidationError(_("Choose how consent was given."), field="method")
    record = step_record(case, actor=actor, step=Step.CONSENT, target=target, data=as_json(data))
    if scan is not None:
        attachment_store(case=case, step=record, kind=AttachmentKind.CONSENT_FORM, upload=scan, actor=actor)
    return case


@dataclass(frozen=True)
class VerificationData:
    """入户核实: what the cadre found at home, and the income reassessed by component over 12 months."""

    visited_on: dt.date
    findings: str
    income: IncomeComponents = field(default_factory=IncomeComponents)
    residents: int = 1
    medical_self_paid: Decimal = Decimal(0)
    schooling_self_paid: Decimal = Decimal(0)
    other_rigid_expense: Decimal = Decimal(0)


@audited_refusals("case.verify")
def case_verify(*, actor, case_id: int, data: VerificationData, photos: Sequence[UploadedFile] = ()) -> Case:
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.VERIFY, actor)
    not_future(data.visited_on, "visited_on")
    if data.visited_on < case.started_on:
        raise ValidationError(_("The visit cannot be before the case was opened."), field="visited_on")
    if not data.findings.strip():
        raise ValidationError(_("Write what you found at the visit."), field="findings")
    if data.residents < 1:
        raise ValidationError(_("At least one member lives in the household."), field="residents")
    amounts = {
        **asdict(data.income),
        "medical_self_paid": data.medical_self_paid,
        "schooling_self_paid": data.schooling_self_paid,
        "other_rigid_expense": data.other_rigid_expense,
    }
    negative = [name for name, value in amounts.items() if value < 0]
    if negative:
        raise ValidationError(_("Amounts cannot be negative."), field=negative[0])
    details = as_json(data) | {
        "income_per_person": str(income_per_person(data.income, residents=data.residents))
    }
    record = step_record(case, actor=actor, step=Step.VERIFY, target=target, data=details)
    for photo in photos:
        attachment_store(case=case, step=record, kind=AttachmentKind.PHOTO, upload=photo, actor=actor)
    return case


@dataclass(frozen=True)
class CrosscheckData:
    """数据比对: the registry, department rows and earlier visits compared; what differs and what was done."""

    has_discrepancy: bool
    note: str = ""


@audited_refusals("case.crosscheck")
def case_crosscheck(*, actor, case_id: int, data: CrosscheckData) -> Case:
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.CROSSCHECK, actor)
    if data.has_discrepancy and not data.note.strip():
        raise ValidationError(_("Describe the discrepancy and how it was settled."), field="note")
    step_record(case, actor=actor, step=Step.CROSSCHECK, target=target, note=data.note, data=as_json(data))
    return case


@dataclass(frozen=True)
class AppraisalData:
    """民主评议: the village meeting's date, attendance and result; identification proposes category and risks."""

    held_on: dt.date
    attendance: int
    votes_for: int
    votes_against: int
    is_agreed: bool
    category_code: str = ""
    risk_codes: tuple[str, ...] = ()
    note: str = ""


@audited_refusals("case.appraise")
def case_appraise(*, actor, case_id: int, data: AppraisalData) -> Case:
    """Record the appraisal. A meeting that does not agree ends the case as rejected, with its note."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.APPRAISE, actor)
    not_future(data.held_on, "held_on")
    if data.attendance < 1:
        raise ValidationError(_("Enter how many attended."), field="attendance")
    if min(data.votes_for, data.votes_against) < 0 or data.votes_for + data.votes_against > data.attendance:
        raise ValidationError(_("The votes do not add up to the attendance."), field="votes_for")
    details = as_json(data)
    if not data.is_agreed:
        reason = required_reason(data.note, "note")
        workflow.check(Kind(case.kind), State(case.state), Step.REJECT, actor.role)
        step_record(
            case,
            actor=actor,
            step=Step.APPRAISE,
            target=State.REJECTED,
            note=reason,
            data=details,
            decision=Decision.REJECTED,
        )
        return case
    if case.kind == Kind.IDENTIFICATION:
        category = Category.objects.filter(code=data.category_code, is_active=True).first()
        if category is None:
            raise ValidationError(_("Choose the monitoring category."), field="category_code")
        case.category = category
        case.risk_codes = risk_codes_clean(data.risk_codes, required=True)
        details["risk_codes"] = case.risk_codes
    step_record(case, actor=actor, step=Step.APPRAISE, target=target, note=data.note, data=details)
    return case


@audited_refusals("case.review")
def case_review(*, actor, case_id: int, note: str = "") -> Case:
    """Township review (乡镇审核)."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.REVIEW, actor)
    step_record(case, actor=actor, step=Step.REVIEW, target=target, note=note.strip())
    return case


@audited_refusals("case.approve")
def case_approve(*, actor, case_id: int, note: str = "") -> Case:
    """County approval (县级审批) and announcement: the household becomes monitored."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.APPROVE, actor)
    step_record(case, actor=actor, step=Step.APPROVE, target=target, note=note.strip())
    household_update(
        case.household,
        status=MonitoringStatus.MONITORED,
        category=case.category,
        risk_codes=list(case.risk_codes),
        identified_on=clock.today(),
        eliminated_on=None,
        elimination_method="",
    )
    return case


# --- any step


@audited_refusals("case.reject")
def case_reject(*, actor, case_id: int, reason: str) -> Case:
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.REJECT, actor)
    step_record(
        case,
        actor=actor,
        step=Step.REJECT,
        target=target,
        note=required_reason(reason),
        decision=Decision.REJECTED,
    )
    return case


@audited_refusals("case.send_back")
def case_send_back(*, actor, case_id: int, reason: str) -> Case:
    """Back to the step before, for correction (退回补正)."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.SEND_BACK, actor)
    step_record(
        case,
        actor=actor,
        step=Step.SEND_BACK,
        target=target,
        note=required_reason(reason),
        decision=Decision.SENT_BACK,
    )
    return case


@audited_refusals("case.cancel")
def case_cancel(*, actor, case_id: int, reason: str) -> Case:
    """Cancel an open case (a duplicate, a household that moved away); it stays on file."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.CANCEL, actor)
    step_record(case, actor=actor, step=Step.CANCEL, target=target, note=required_reason(reason))
    return case


@audited_refusals("case.green_channel")
def case_green_channel(*, actor, case_id: int, reason: str) -> Case:
    """绿色通道: the county starts urgent measures before approval; the case is marked so everywhere."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.GREEN_CHANNEL, actor)
    if case.is_green_channel:
        raise TransitionNotAllowed(_("The green channel is already open for this case."))
    case.is_green_channel = True
    step_record(case, actor=actor, step=Step.GREEN_CHANNEL, target=target, note=required_reason(reason))
    return case


# --- elimination steps


@audited_refusals("case.eligibility")
def case_eligibility_check(*, actor, case_id: int, facts: EligibilityFacts, note: str = "") -> Case:
    """The eligibility check of a risk elimination. A household without labour living on protection is not
    eligible and is closed as 暂不标注风险消除; any other unmet condition is refused with what is missing."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    step_check(case, Step.FIND_ELIGIBLE, actor)
    result = eligibility(facts, stable_months=time_limit("elimination_stable_months").amount)
    details = as_json(facts) | {"reasons": list(result.reasons)}
    if result.is_not_yet_marked:
        target = step_check(case, Step.FIND_NOT_ELIGIBLE, actor)
        step_record(case, actor=actor, step=Step.FIND_NOT_ELIGIBLE, target=target, note=note, data=details)
        return case
    if not result.is_eligible:
        raise ValidationError(
            _("The household does not meet the conditions yet: %(missing)s.")
            % {
                "missing": pgettext("list separator", "; ").join(
                    str(REASON_LABELS[r]) for r in result.reasons
                )
            },
            field="facts",
        )
    target = step_check(case, Step.FIND_ELIGIBLE, actor)
    step_record(case, actor=actor, step=Step.FIND_ELIGIBLE, target=target, note=note, data=details)
    return case


@audited_refusals("case.eliminate")
def case_eliminate(*, actor, case_id: int, method: str, note: str = "") -> Case:
    """County decision: the risk is eliminated (帮扶消除 or 自然消除) and the household leaves monitoring."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.ELIMINATE, actor)
    if method not in EliminationMethod.values:
        raise ValidationError(_("Choose how the risk was eliminated."), field="method")
    case.elimination_method = method
    step_record(
        case, actor=actor, step=Step.ELIMINATE, target=target, note=note.strip(), data={"method": method}
    )
    household_update(
        case.household,
        status=MonitoringStatus.ELIMINATED,
        eliminated_on=clock.today(),
        elimination_method=method,
    )
    return case


@audited_refusals("case.rollback")
def case_rollback(*, actor, case_id: int, reason: str) -> Case:
    """风险消除回退: an elimination found wrong is rolled back and the household is monitored again."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.ROLLBACK, actor)
    step_record(case, actor=actor, step=Step.ROLLBACK, target=target, note=required_reason(reason))
    household_update(
        case.household, status=MonitoringStatus.MONITORED, eliminated_on=None, elimination_method=""
    )
    return case
