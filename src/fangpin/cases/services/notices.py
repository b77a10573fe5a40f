"""Public notices (公示) and their objections: publishing one for a village's cases, recording objections,
closing it once the period is over. Entries carry public fields only (see NoticeEntry)."""

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.audit.services import audit_record
from fangpin.cases.models import Case, NoticeEntry, Objection, PublicNotice
from fangpin.cases.selectors import case_get_for_update, case_heads, cases_visible_to
from fangpin.cases.services._base import audited_refusals, not_future, step_check, step_record
from fangpin.cases.workflow import Step
from fangpin.core import clock
from fangpin.core.errors import NotFound, TransitionNotAllowed, ValidationError
from fangpin.monitoring.models import LimitUnit
from fangpin.monitoring.selectors import time_limit


def notice_min_days() -> int:
    """The shortest notice, in days counted inclusively (5 days: from the 1st to the 5th)."""
    limit = time_limit("public_notice")
    return limit.amount if limit.unit != LimitUnit.MONTHS else limit.amount * 30


@audited_refusals("case.notice_publish")
def case_notice_publish(
    *, actor, case_ids: Sequence[int], starts_on: dt.date, ends_on: dt.date
) -> PublicNotice:
    """Publish one notice for cases of one village that wait for it; each case moves under notice."""
    ids = sorted(set(case_ids))
    if not ids:
        raise ValidationError(_("Choose the cases to put on the notice."), field="case_ids")
    # Locked in id order, so two publishers of overlapping lists cannot deadlock.
    cases = [case_get_for_update(actor=actor, case_id=pk) for pk in ids]
    targets = [step_check(case, Step.PUBLISH_NOTICE, actor) for case in cases]
    if len({c.household.village_id for c in cases}) > 1 or len({c.kind for c in cases}) > 1:
        raise ValidationError(
            _("A notice covers one village and one kind of procedure; publish the others separately."),
            field="case_ids",
        )
    days = (ends_on - starts_on).days + 1
    if days < notice_min_days():
        raise ValidationError(
            _("A public notice lasts at least %(n)d days.") % {"n": notice_min_days()}, field="ends_on"
        )
    # A start in the past is allowed: cadres often enter a notice after posting it on the village board.
    notice = PublicNotice.objects.create(
        village_id=cases[0].household.village_id,
        kind=cases[0].kind,
        starts_on=starts_on,
        ends_on=ends_on,
        published_by=actor,
        published_at=timezone.now(),
    )
    heads = case_heads(cases)
    NoticeEntry.objects.bulk_create(
        NoticeEntry(
            notice=notice,
            case=case,
            name=heads.get(case.household_id, ""),
            village_name=notice_village_name(case),
            category=case.category,
            risk_codes=list(case.risk_codes),
        )
        for case in cases
    )
    audit_record(actor=actor, action="notice.publish", obj=notice, data={"cases": ids})
    for case, target in zip(cases, targets, strict=True):
        case.notice = notice
        step_record(
            case,
            actor=actor,
            step=Step.PUBLISH_NOTICE,
            target=target,
            data={"notice": notice.pk, "starts_on": starts_on, "ends_on": ends_on},
        )
    return notice


def notice_village_name(case: Case) -> str:
    return case.household.village.name


@audited_refusals("case.objection")
def case_objection_record(
    *, actor, case_id: int, received_on: dt.date, content: str, resolution: str = ""
) -> Objection:
    """An objection received during the notice (异议), with how it was settled if it already was."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.RECORD_OBJECTION, actor)
    not_future(received_on, "received_on")
    if not content.strip():
        raise ValidationError(_("Write what the objection says."), field="content")
    if case.notice is None or received_on < case.notice.starts_on:
        raise ValidationError(
            _("The objection was received before the notice was published."), field="received_on"
        )
    objection = Objection.objects.create(
        notice=case.notice,
        case=case,
        received_on=received_on,
        content=content.strip(),
        resolution=resolution.strip(),
        recorded_by=actor,
    )
    step_record(
        case,
        actor=actor,
        step=Step.RECORD_OBJECTION,
        target=target,
        note=content.strip(),
        data={"objection": objection.pk, "resolved": bool(objection.resolution)},
    )
    return objection


@audited_refusals("case.objection_resolve")
def case_objection_resolve(*, actor, objection_id: int, resolution: str) -> Objection:
    objection = Objection.objects.filter(pk=objection_id, case__in=cases_visible_to(actor)).first()
    if objection is None:
        raise NotFound(f"No objection {objection_id}.")
    case = case_get_for_update(actor=actor, case_id=objection.case_id)
    step_check(case, Step.RECORD_OBJECTION, actor)
    if not resolution.strip():
        raise ValidationError(_("Write how the objection was settled."), field="resolution")
    objection.resolution = resolution.strip()
    objection.save(update_fields=["resolution"])
    audit_record(actor=actor, action="case.objection_resolve", obj=objection, data={"case": case.pk})
    return objection


@audited_refusals("case.notice_close")
def case_notice_close(*, actor, case_id: int, note: str = "") -> Case:
    """Close the notice for a case once its period is over and every objection is settled."""
    case = case_get_for_update(actor=actor, case_id=case_id)
    target = step_check(case, Step.CLOSE_NOTICE, actor)
    notice = case.notice
    if notice is None:  # cannot happen through the services; a clear message if the data were edited
        raise TransitionNotAllowed(_("This case has no published notice."))
    if clock.today() <= notice.ends_on:
        raise ValidationError(
            _("The notice runs until %(date)s; close it after that day.") % {"date": notice.ends_on},
            field="note",
        )
    if case.objections.filter(resolution="").exists():
        raise ValidationError(_("Settle every objection before closing the notice."), field="note")
    step_record(
        case,
        actor=actor,
        step=Step.CLOSE_NOTICE,
        target=target,
        note=note.strip(),
        data={"notice": notice.pk, "objections": case.objections.count()},
    )
    return case
