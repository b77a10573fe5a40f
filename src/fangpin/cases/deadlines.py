"""Deadlines of the procedures: when a case and its current step are due, and the daily colouring of open
cases (on time, orange: due today or the next working day, red: overdue). Limits come from configuration."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from fangpin.audit.services import audit_record
from fangpin.cases.models import Case
from fangpin.cases.rules import DeadlineState, deadline_state
from fangpin.cases.workflow import Kind, State, is_open
from fangpin.core import clock
from fangpin.core.workdays import add_working_days
from fangpin.monitoring.selectors import due_date

_TOTAL = {Kind.IDENTIFICATION: "identification_total", Kind.ELIMINATION: "elimination_total"}
# The first home visit closes these states; until then the nearer first-visit limit applies.
_BEFORE_FIRST_VISIT = {State.CONSENT, State.VERIFICATION}


def case_due_on(*, kind: Kind, started_on: dt.date) -> dt.date:
    return due_date(start=started_on, limit_key=_TOTAL[Kind(kind)])


def first_visit_due(case: Case) -> dt.date:
    return due_date(start=case.started_on, limit_key="alert_first_visit")


def step_due(case: Case) -> dt.date | None:
    """When the step the case waits for is due: none for a closed case; the first-visit limit before the visit."""
    if not is_open(State(case.state)):
        return None
    if case.kind == Kind.IDENTIFICATION and case.state in _BEFORE_FIRST_VISIT:
        return min(case.due_on, first_visit_due(case))
    return case.due_on


def next_working_day(day: dt.date) -> dt.date:
    return add_working_days(day, 1)


def case_deadline(case: Case, *, today: dt.date) -> DeadlineState:
    """The colour of one case on `today` (pages compute it live, so a moved clock shows at once)."""
    return deadline_state(case.step_due_on, today=today, next_working_day=next_working_day)


@dataclass(frozen=True)
class DeadlineCounts:
    today: dt.date
    red: int
    orange: int
    on_time: int
    newly_red: int


def case_deadlines_refresh(*, today: dt.date | None = None) -> DeadlineCounts:
    """Colour every open case for `today` in three updates (no per-case loop); the daily task runs it and the
    audit log keeps the counts."""
    today = today or clock.today()
    soon = next_working_day(today)
    open_cases = Case.objects.filter(closed_at__isnull=True)
    newly_red = open_cases.filter(step_due_on__lt=today).exclude(deadline_state=DeadlineState.RED).count()
    red = open_cases.filter(step_due_on__lt=today).update(deadline_state=DeadlineState.RED)
    orange = open_cases.filter(step_due_on__gte=today, step_due_on__lte=soon).update(
        deadline_state=DeadlineState.ORANGE
    )
    on_time = open_cases.filter(Q(step_due_on__gt=soon) | Q(step_due_on__isnull=True)).update(
        deadline_state=DeadlineState.ON_TIME
    )
    counts = DeadlineCounts(today=today, red=red, orange=orange, on_time=on_time, newly_red=newly_red)
    audit_record(
        actor="system",
        action="case.deadlines",
        object_type="cases.case",
        data={"today": today, "red": red, "orange": orange, "on_time": on_time, "newly_red": newly_red},
    )
    return counts
