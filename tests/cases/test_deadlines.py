"""Deadlines with the clock moved: working days over the 2025 National Day holiday, the daily colouring, and
overdue cases reaching the next level's queue."""

import datetime as dt

import pytest
from django.core.management import call_command

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.cases import services
from fangpin.cases.deadlines import case_deadline, case_deadlines_refresh
from fangpin.cases.models import Case
from fangpin.cases.rules import DeadlineState
from fangpin.cases.selectors import QueueFilter, case_queue
from fangpin.cases.tasks import case_deadlines_refresh_task
from fangpin.cases.workflow import State
from fangpin.monitoring.models import LimitUnit, TimeLimit
from tests.cases.conftest import drive

# Friday 26 September 2025: the National Day holiday runs 1–8 October; Sunday 28 September and Saturday
# 11 October are make-up working days (State Council notice 国办发明电〔2024〕12号).
FRIDAY = dt.date(2025, 9, 26)


@pytest.fixture
def late_case(households, users) -> Case:
    return services.case_open_identification(
        actor=users[Role.VILLAGE], household_id=households["a1"].pk, started_on=FRIDAY
    )


def colour(case: Case, today: dt.date) -> DeadlineState:
    case.refresh_from_db()
    return case_deadline(case, today=today)


def test_the_first_visit_is_due_within_five_working_days_across_the_holiday(late_case):
    assert late_case.step_due_on == dt.date(2025, 10, 10)
    assert late_case.due_on == dt.date(2025, 10, 23)  # the whole procedure: 15 working days


def test_a_county_time_limit_replaces_the_default(households, users):
    TimeLimit.objects.create(key="alert_first_visit", amount=2, unit=LimitUnit.WORKING_DAYS)
    case = services.case_open_identification(
        actor=users[Role.VILLAGE], household_id=households["a1"].pk, started_on=FRIDAY
    )
    assert case.step_due_on == dt.date(2025, 9, 29)


def test_the_colour_turns_orange_then_red_as_the_clock_moves(late_case):
    assert colour(late_case, dt.date(2025, 10, 1)) == DeadlineState.ON_TIME
    assert colour(late_case, dt.date(2025, 10, 9)) == DeadlineState.ORANGE  # due the next working day
    assert colour(late_case, dt.date(2025, 10, 10)) == DeadlineState.ORANGE  # due today
    assert colour(late_case, dt.date(2025, 10, 11)) == DeadlineState.RED


def test_after_the_visit_the_whole_procedure_limit_applies(late_case, users):
    case = drive(late_case, users, to=State.CROSSCHECK)
    assert case.step_due_on == dt.date(2025, 10, 23)


def test_the_daily_task_records_the_colours(late_case, households, users):
    other = services.case_open_identification(actor=users[Role.VILLAGE], household_id=households["a1b"].pk)
    counts = case_deadlines_refresh(today=dt.date(2025, 10, 13))
    assert (counts.red, counts.orange, counts.on_time, counts.newly_red) == (1, 0, 1, 1)
    late_case.refresh_from_db()
    other.refresh_from_db()
    assert late_case.deadline_state == DeadlineState.RED
    assert other.deadline_state == DeadlineState.ON_TIME
    assert case_deadlines_refresh(today=dt.date(2025, 10, 14)).newly_red == 0
    assert AuditEvent.objects.filter(action="case.deadlines").count() == 2


def test_the_background_task_runs_the_refresh(late_case):
    case_deadlines_refresh_task.enqueue()  # the immediate backend in tests
    late_case.refresh_from_db()
    assert late_case.deadline_state == DeadlineState.RED  # overdue by today's real date


def test_closed_cases_are_left_alone(late_case, users):
    services.case_cancel(actor=users[Role.COUNTY], case_id=late_case.pk, reason="重复")
    case_deadlines_refresh(today=dt.date(2026, 1, 1))
    late_case.refresh_from_db()
    assert late_case.deadline_state == DeadlineState.ON_TIME


def test_an_overdue_village_step_reaches_the_township_queue(late_case, users):
    township = users[Role.TOWNSHIP]
    assert list(case_queue(actor=township, today=dt.date(2025, 10, 10))) == []
    assert list(case_queue(actor=township, today=dt.date(2025, 10, 11))) == [late_case]
    # The county supervises townships, not villages directly.
    assert list(case_queue(actor=users[Role.COUNTY], today=dt.date(2025, 10, 11))) == []
    assert list(case_queue(actor=users[Role.VILLAGE], today=dt.date(2025, 10, 1))) == [late_case]


def test_an_overdue_township_review_reaches_the_county_queue(late_case, users):
    case = drive(late_case, users, to=State.TOWNSHIP_REVIEW)
    county_user = users[Role.COUNTY]
    assert list(case_queue(actor=county_user, today=dt.date(2025, 10, 23))) == []
    assert list(case_queue(actor=county_user, today=dt.date(2025, 10, 24))) == [case]
    assert list(case_queue(actor=users[Role.TOWNSHIP], today=dt.date(2025, 10, 1))) == [case]


def test_the_queue_is_scoped_to_the_users_area(late_case, cadre_a2, township_b):
    assert list(case_queue(actor=cadre_a2, today=dt.date(2025, 10, 1))) == []
    assert list(case_queue(actor=township_b, today=dt.date(2025, 12, 1))) == []


def test_the_queue_can_show_only_overdue_cases(late_case, users):
    village = users[Role.VILLAGE]
    only = QueueFilter(only_overdue=True)
    assert list(case_queue(actor=village, today=dt.date(2025, 10, 10), filters=only)) == []
    assert list(case_queue(actor=village, today=dt.date(2025, 10, 11), filters=only)) == [late_case]


def test_the_command_colours_cases_for_a_given_day(late_case, capsys):
    call_command("case_deadlines", "--date", "2025-10-09")
    late_case.refresh_from_db()
    assert late_case.deadline_state == DeadlineState.ORANGE
    assert "0 overdue" in capsys.readouterr().out
