"""The catalogue as data, suggestions by risk type, the development-measure rule and the follow-up schedule."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangpin.accounts.roles import Role
from fangpin.assistance import selectors
from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel, MeasureKind
from fangpin.assistance.models import MeasureType, Visit
from fangpin.assistance.services import (
    Delivery,
    MeasureData,
    helper_assign,
    measure_add,
    measure_update,
    plan_create,
)
from fangpin.monitoring.models import LimitUnit, TimeLimit
from fangpin.registry.codes import LabourSkill
from tests.assistance.conftest import monitored

pytestmark = pytest.mark.django_db


def test_the_catalogue_holds_the_design_types_with_their_kinds():
    kinds = dict(MeasureType.objects.values_list("name_zh", "kind"))
    assert set(kinds) == {
        "产业", "就业", "金融", "公益岗位", "健康", "义务教育", "其他教育", "综合保障",
        "住房安全", "饮水安全", "社会帮扶", "搬迁", "生产生活条件", "基础设施",
    }  # fmt: skip
    development = {name for name, kind in kinds.items() if kind == MeasureKind.DEVELOPMENT}
    assert development == {"产业", "就业", "金融", "公益岗位"}
    assert all(MeasureType.objects.exclude(note="").values_list("note", flat=True))


@pytest.mark.parametrize(
    ("risk_codes", "expected"),
    [
        (["01"], {"health"}),
        (["0201"], {"protection", "housing"}),  # a flood is answered by the 02 suggestions
        (["03"], {"protection", "health"}),
        (["04"], {"protection"}),
        (["05"], {"health", "protection"}),
        (["06"], {"industry", "microcredit"}),
        (["07"], {"employment", "public-welfare-job"}),
        (["09"], {"compulsory-education", "other-education"}),
    ],
)
def test_measures_are_suggested_by_risk_type(risk_codes, expected):
    suggestions = selectors.suggestions_for(risk_codes=risk_codes)
    assert {s.measure_type.code for s in suggestions} == expected
    assert all(selectors.suggestion_applies(s, risk_codes) == risk_codes for s in suggestions)


def test_a_retired_measure_type_is_no_longer_suggested():
    MeasureType.objects.filter(code="microcredit").update(is_active=False)
    assert {s.measure_type.code for s in selectors.suggestions_for(risk_codes=["06"])} == {"industry"}


def _add(actor, household, measure_type, risk_code="07"):
    return measure_add(
        actor=actor,
        household_id=household.pk,
        data=MeasureData(
            risk_code=risk_code, measure_type=measure_type, provider="乡政府", start_date=dt.date(2025, 3, 1)
        ),
    )


def test_a_household_with_labour_and_only_protection_breaks_the_development_rule(users, county):
    cadre = users[Role.VILLAGE]
    protected = monitored(county.village_a1)
    developed = monitored(county.village_a1)
    no_labour = monitored(county.village_a1, risk_codes=["04"], labour=LabourSkill.NONE)
    outside = monitored(county.village_b1)
    for household in (protected, developed):
        plan_create(actor=cadre, household_id=household.pk)
        _add(cadre, household, "health", risk_code="01")
    _add(cadre, developed, "employment")

    assert selectors.lacks_development_measure(household=protected)
    assert not selectors.lacks_development_measure(household=developed)
    assert not selectors.lacks_development_measure(household=no_labour)  # protection is right for them
    assert list(selectors.households_lacking_development_measure(actor=cadre)) == [protected]
    assert outside in selectors.households_lacking_development_measure(actor=users[Role.COUNTY])


def test_a_failed_development_measure_does_not_count(users, county):
    cadre = users[Role.VILLAGE]
    household = monitored(county.village_a1)
    plan_create(actor=cadre, household_id=household.pk)
    measure = _add(cadre, household, "public-welfare-job")
    assert not selectors.lacks_development_measure(household=household)
    measure_update(
        actor=cadre,
        measure_id=measure.pk,
        data=MeasureData(
            risk_code="07",
            measure_type="public-welfare-job",
            provider="乡政府",
            start_date=measure.start_date,
        ),
        delivery=Delivery(status=DeliveryStatus.FAILED, on=dt.date(2025, 5, 1), note="岗位已满"),
    )
    assert selectors.lacks_development_measure(household=household)


def test_which_types_count_as_development_is_data_the_county_can_change(users, county):
    cadre = users[Role.VILLAGE]
    household = monitored(county.village_a1)
    plan_create(actor=cadre, household_id=household.pk)
    _add(cadre, household, "other-education")
    assert selectors.lacks_development_measure(household=household)
    MeasureType.objects.filter(code="other-education").update(kind=MeasureKind.DEVELOPMENT)
    assert not selectors.lacks_development_measure(household=household)


# ---- follow-up schedule -------------------------------------------------------------------------------------


def _visit(household, visitor, on):
    return Visit.objects.create(household=household, visitor=visitor, visited_on=on)


@pytest.fixture
def round_of_households(users, county):
    """Helper `village` looks after a red household visited 5 weeks ago, a yellow one visited 10 weeks ago and
    one never visited (identified 2025-01-10); a household of township B has the county officer as helper."""
    cadre = users[Role.VILLAGE]
    red, yellow, never = (monitored(county.village_a1) for _ in range(3))
    plan_create(actor=cadre, household_id=red.pk, level=FollowUpLevel.RED)
    plan_create(actor=cadre, household_id=yellow.pk, level=FollowUpLevel.YELLOW)
    for household in (red, yellow, never):
        helper_assign(actor=users[Role.TOWNSHIP], household_id=household.pk, helper_id=cadre.pk)
    _visit(red, cadre, dt.date(2025, 4, 1))
    _visit(red, cadre, dt.date(2025, 5, 1))
    _visit(yellow, cadre, dt.date(2025, 3, 26))
    away = monitored(county.village_b1, identified_on=dt.date(2025, 5, 20))
    helper_assign(actor=users[Role.COUNTY], household_id=away.pk, helper_id=users[Role.COUNTY].pk)
    return {"red": red, "yellow": yellow, "never": never, "away": away}


def test_a_helper_sees_overdue_follow_ups_first_and_the_clock_turns_them(users, round_of_households):
    cadre, h = users[Role.VILLAGE], round_of_households

    on_may_31 = selectors.follow_ups_of_helper(actor=cadre, today=dt.date(2025, 5, 31))
    assert [(f.household, f.is_overdue) for f in on_may_31] == [
        (h["never"], True),
        (h["red"], False),
        (h["yellow"], False),
    ]
    assert on_may_31[1].due == dt.date(2025, 6, 1)  # monthly for red
    assert on_may_31[2].last_visit == dt.date(2025, 3, 26)
    assert on_may_31[2].due == dt.date(2025, 6, 26)  # quarterly otherwise

    on_june_2 = selectors.follow_ups_of_helper(actor=cadre, today=dt.date(2025, 6, 2))
    assert {f.household for f in on_june_2 if f.is_overdue} == {h["never"], h["red"]}

    on_june_27 = selectors.follow_ups_of_helper(actor=cadre, today=dt.date(2025, 6, 27))
    assert all(f.is_overdue for f in on_june_27)


def test_the_follow_up_limits_come_from_the_configured_time_limits(users, round_of_households):
    TimeLimit.objects.create(key="follow_up_other", amount=1, unit=LimitUnit.MONTHS)
    rows = selectors.follow_ups_of_helper(actor=users[Role.VILLAGE], today=dt.date(2025, 4, 27))
    yellow = next(f for f in rows if f.household == round_of_households["yellow"])
    assert (yellow.due, yellow.is_overdue) == (dt.date(2025, 4, 26), True)


def test_overdue_follow_ups_are_listed_per_helper_in_one_query(users, round_of_households):
    h = round_of_households
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.follow_ups_overdue(actor=users[Role.COUNTY], today=dt.date(2025, 9, 1))
        helpers = [f.household.helper.username for f in rows]
    # Two time-limit look-ups, then one query for every household whatever their number.
    assert len(queries) == 3
    assert [f.household for f in rows] == [h["away"], h["never"], h["red"], h["yellow"]]
    assert helpers == ["county", "village", "village", "village"]
    township_rows = selectors.follow_ups_overdue(actor=users[Role.TOWNSHIP], today=dt.date(2025, 9, 1))
    assert h["away"] not in {f.household for f in township_rows}


def test_monitored_households_without_a_helper_are_listed_within_the_area(users, county):
    alone = monitored(county.village_a1)
    helped = monitored(county.village_a1)
    elsewhere = monitored(county.village_b1)
    helper_assign(actor=users[Role.TOWNSHIP], household_id=helped.pk, helper_id=users[Role.VILLAGE].pk)
    assert list(selectors.households_without_helper(actor=users[Role.TOWNSHIP])) == [alone]
    assert set(selectors.households_without_helper(actor=users[Role.COUNTY])) == {alone, elsewhere}
