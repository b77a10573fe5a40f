"""Reads of cases and notices. Every one starts from `cases_visible_to`, so a case of another village is simply
"not found"; the queue is what waits for the user's role in their area, plus what is overdue one level down."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from fangpin.accounts.roles import Role
from fangpin.cases import workflow
from fangpin.cases.models import Case, CaseStep, Objection, PublicNotice
from fangpin.cases.workflow import TABLES, Kind
from fangpin.core.errors import NotFound
from fangpin.divisions.jurisdiction import scope_for
from fangpin.registry.codes import Relation
from fangpin.registry.models import Member


def cases_visible_to(actor) -> QuerySet[Case]:
    return scope_for(actor).filter(Case.objects.all(), field="household__village_id")


def notices_visible_to(actor) -> QuerySet[PublicNotice]:
    return scope_for(actor).filter(PublicNotice.objects.all(), field="village_id")


def case_get(*, actor, case_id: int) -> Case:
    try:
        return (
            cases_visible_to(actor)
            .select_related("household__village__parent", "category", "created_by", "previous", "notice")
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise NotFound(f"No case {case_id}.") from None


def case_get_for_update(*, actor, case_id: int) -> Case:
    """The case, row-locked until the end of the transaction (PostgreSQL; SQLite serialises writers anyway)."""
    try:
        return (
            cases_visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("household", "category")
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise NotFound(f"No case {case_id}.") from None


def case_open_for_household(*, household_id: int) -> Case | None:
    return Case.objects.filter(household_id=household_id, closed_at__isnull=True).first()


def case_latest_closed(*, household_id: int) -> Case | None:
    return (
        Case.objects.filter(household_id=household_id, closed_at__isnull=False).order_by("-closed_at").first()
    )


def case_steps(*, case: Case) -> list[CaseStep]:
    return list(case.steps.select_related("actor").prefetch_related("attachments"))


def case_objections(*, case: Case) -> list[Objection]:
    return list(case.objections.select_related("recorded_by"))


def _states_waiting_for(role: str) -> Q:
    """Open cases whose current state is acted on by `role`, over both kinds of procedure."""
    q = Q(pk__in=[])
    for kind, table in TABLES.items():
        states = [state for state, stage in table.items() if stage.role == role]
        q |= Q(kind=kind, state__in=states)
    return q


# Whose overdue work each level sees besides its own: the level below it.
_SUPERVISES = {Role.TOWNSHIP: workflow.VILLAGE, Role.COUNTY: workflow.TOWNSHIP}


@dataclass(frozen=True)
class QueueFilter:
    kind: str = ""
    only_overdue: bool = False


def case_queue(*, actor, today: dt.date, filters: QueueFilter = QueueFilter()) -> QuerySet[Case]:
    """My queue: open cases waiting for my role in my area, and the overdue ones waiting one level down."""
    role = Role(actor.role)
    mine = _states_waiting_for(role.value)
    supervised = _SUPERVISES.get(role)
    if supervised:
        mine |= _states_waiting_for(supervised) & Q(step_due_on__lt=today)
    qs = cases_visible_to(actor).filter(mine, closed_at__isnull=True)
    if filters.kind in Kind.__members__.values():
        qs = qs.filter(kind=filters.kind)
    if filters.only_overdue:
        qs = qs.filter(step_due_on__lt=today)
    return qs.select_related("household__village", "category").order_by("step_due_on", "id")


def case_heads(cases: list[Case]) -> dict[int, str]:
    """The head of household's name for each case's household, in one query (for lists and notices)."""
    rows = Member.objects.filter(
        household_id__in={c.household_id for c in cases}, relation=Relation.HEAD, is_resident=True
    ).values_list("household_id", "name")
    return dict(rows)


def notice_get(*, actor, notice_id: int) -> PublicNotice:
    try:
        return notices_visible_to(actor).select_related("village", "published_by").get(pk=notice_id)
    except PublicNotice.DoesNotExist:
        raise NotFound(f"No notice {notice_id}.") from None
