"""Audited reads: a case file, the queue, a notice and an attachment. A look outside the user's area is "not
found" like a missing one, and is itself audited."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.core.paginator import Page, Paginator

from fangpin.audit.services import audit_record
from fangpin.cases import selectors, workflow
from fangpin.cases.deadlines import case_deadline
from fangpin.cases.models import Case, CaseAttachment, CaseStep, Objection
from fangpin.cases.notice_render import NoticeView, notice_view
from fangpin.cases.rules import DeadlineState
from fangpin.cases.services.steps import openable_kinds
from fangpin.cases.workflow import Kind, State, Step
from fangpin.core.errors import NotFound
from fangpin.registry.models import Household
from fangpin.registry.selectors import household_get


@contextmanager
def _denied_look_audited(actor, *, action: str, object_type: str, pk: int) -> Iterator[None]:
    try:
        yield
    except NotFound:
        audit_record(actor=actor, action=action, object_type=object_type, object_id=str(pk))
        raise


@dataclass(frozen=True)
class CaseRow:
    case: Case
    head_name: str
    deadline: DeadlineState
    is_mine: bool  # waits for the user's own role (else: an overdue case one level down)


@dataclass(frozen=True)
class QueuePage:
    page: Page
    rows: list[CaseRow]


def case_queue_page(
    *, actor, today: dt.date, filters: selectors.QueueFilter, page: str | int | None, page_size: int
) -> QueuePage:
    """One page of the user's queue, coloured for `today`; names are personal data, so the read is audited."""
    result = Paginator(selectors.case_queue(actor=actor, today=today, filters=filters), page_size).get_page(
        page
    )
    cases = list(result.object_list)
    heads = selectors.case_heads(cases)
    rows = [
        CaseRow(
            case=c,
            head_name=heads.get(c.household_id, ""),
            deadline=case_deadline(c, today=today),
            is_mine=workflow.waiting_role(Kind(c.kind), State(c.state)) == actor.role,
        )
        for c in cases
    ]
    audit_record(
        actor=actor,
        action="case.list",
        object_type="cases.case",
        data={**asdict(filters), "page": result.number, "shown": len(rows)},
    )
    return QueuePage(page=result, rows=rows)


@dataclass(frozen=True)
class CaseFile:
    case: Case
    head_name: str
    steps: list[CaseStep]
    objections: list[Objection]
    attachments: list[CaseAttachment]
    allowed: list[Step]
    deadline: DeadlineState


def case_file_open(*, actor, case_id: int, today: dt.date) -> CaseFile:
    with _denied_look_audited(actor, action="case.denied", object_type="cases.case", pk=case_id):
        case = selectors.case_get(actor=actor, case_id=case_id)
    steps = selectors.case_steps(case=case)
    audit_record(actor=actor, action="case.view", obj=case)
    return CaseFile(
        case=case,
        head_name=selectors.case_heads([case]).get(case.household_id, ""),
        steps=steps,
        objections=selectors.case_objections(case=case),
        attachments=[a for s in steps for a in s.attachments.all()],
        allowed=workflow.allowed_steps(Kind(case.kind), State(case.state), actor.role),
        deadline=case_deadline(case, today=today),
    )


@dataclass(frozen=True)
class OpenCasePage:
    household: Household
    kinds: list[Kind]  # the procedures it can start now, by its monitoring status


def case_open_page(*, actor, household_id: int) -> OpenCasePage:
    """What the "open a case" page offers for a household: only the procedure its status allows. A household
    outside the user's area is "not found", and the look is audited."""
    with _denied_look_audited(
        actor, action="case.open.denied", object_type="registry.household", pk=household_id
    ):
        household = household_get(actor=actor, household_id=household_id)
    return OpenCasePage(household=household, kinds=openable_kinds(household.status))


def notice_open(*, actor, notice_id: int, purpose: str = "view") -> NoticeView:
    with _denied_look_audited(actor, action="notice.denied", object_type="cases.publicnotice", pk=notice_id):
        notice = selectors.notice_get(actor=actor, notice_id=notice_id)
    audit_record(actor=actor, action=f"notice.{purpose}", obj=notice)
    return notice_view(notice)


def attachment_open(*, actor, attachment_id: int) -> CaseAttachment:
    """A scanned form or photo: personal data, so every download is audited."""
    with _denied_look_audited(
        actor, action="case.attachment.denied", object_type="cases.caseattachment", pk=attachment_id
    ):
        attachment = CaseAttachment.objects.filter(
            case__in=selectors.cases_visible_to(actor), pk=attachment_id
        ).first()
        if attachment is None:
            raise NotFound(f"No attachment {attachment_id}.")
    audit_record(actor=actor, action="case.attachment.view", obj=attachment)
    return attachment
