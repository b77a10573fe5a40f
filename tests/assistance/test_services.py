"""The assistance services: plans, measures, helpers and visits, each on its happy path, its refusals (wrong
role, outside the area, wrong state) and bad input, with nothing changed by a refusal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fangpin.accounts.roles import Role
from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel, PlanStatus
from fangpin.assistance.models import Measure, Plan, Visit, VisitMeasure
from fangpin.assistance.services import (
    Delivery,
    IncomeUpdate,
    MeasureData,
    MeasureReport,
    VisitData,
    helper_assign,
    measure_add,
    measure_update,
    plan_create,
    visit_record,
)
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.registry.codes import IncomeSource, MonitoringStatus
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import IncomeRecord
from tests.assistance.conftest import monitored
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def _measure(**overrides) -> MeasureData:
    values = {
        "risk_code": "07",
        "measure_type": "employment",
        "provider": "县人社局",
        "start_date": dt.date(2025, 3, 1),
        "amount": Decimal("1200.00"),
    }
    return MeasureData(**{**values, **overrides})


# ---- plan_create --------------------------------------------------------------------------------------------


def test_a_village_cadre_opens_the_plan_of_a_monitored_household(home, users):
    plan = plan_create(actor=users[Role.VILLAGE], household_id=home.pk, level=FollowUpLevel.RED)
    assert (plan.household, plan.status, plan.level) == (home, PlanStatus.ACTIVE, FollowUpLevel.RED)
    assert plan.created_by == users[Role.VILLAGE]
    assert _actions()[-1] == "assistance.plan.create"


def test_a_second_plan_in_force_is_refused(plan, home, users):
    with pytest.raises(ValidationError, match="already has an assistance plan"):
        plan_create(actor=users[Role.TOWNSHIP], household_id=home.pk)
    assert Plan.objects.count() == 1


def test_a_household_that_is_not_monitored_gets_no_plan(home, users):
    home.status = MonitoringStatus.NORMAL
    home.save()
    with pytest.raises(ValidationError, match="Only a monitored household"):
        plan_create(actor=users[Role.VILLAGE], household_id=home.pk)
    assert not Plan.objects.exists()


def test_an_unknown_level_is_refused(home, users):
    with pytest.raises(ValidationError, match="red, orange or yellow") as e:
        plan_create(actor=users[Role.VILLAGE], household_id=home.pk, level="purple")
    assert e.value.field == "level"
    assert not Plan.objects.exists()


def test_an_analyst_cannot_open_a_plan_and_the_refusal_is_audited(home, users):
    with pytest.raises(PermissionDenied, match="Your role cannot change assistance plans"):
        plan_create(actor=users[Role.ANALYST], household_id=home.pk)
    assert not Plan.objects.exists()
    assert _actions() == ["assistance.plan.create.refused"]


def test_a_plan_outside_the_area_is_not_found_and_the_attempt_audited(away, users):
    with pytest.raises(NotFound):
        plan_create(actor=users[Role.VILLAGE], household_id=away.pk)
    assert not Plan.objects.exists()
    event = AuditEvent.objects.get()
    assert event.action == "assistance.plan.create.refused"
    assert event.data["household_id"] == away.pk


# ---- measure_add / measure_update ---------------------------------------------------------------------------


def test_a_measure_is_added_to_the_plan_tied_to_a_risk_type(plan, home, users):
    measure = measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    assert measure.plan == plan
    assert (measure.risk_code, measure.measure_type.code, measure.amount) == (
        "07",
        "employment",
        Decimal("1200.00"),
    )
    assert measure.delivery_status == DeliveryStatus.PLANNED
    assert _actions()[-1] == "assistance.measure.add"
    assert AuditEvent.objects.last().data["provider"] == "县人社局"


def test_a_measure_needs_a_plan_first(home, users):
    with pytest.raises(ValidationError, match="no assistance plan yet"):
        measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    assert not Measure.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"risk_code": "03"}, "risk_code", "no risk of type 03"),
        ({"measure_type": "space-travel"}, "measure_type", "from the catalogue"),
        ({"provider": "  "}, "provider", "who provides"),
        ({"amount": Decimal("-1")}, "amount", "cannot be negative"),
        ({"end_date": dt.date(2025, 2, 1)}, "end_date", "cannot end before it starts"),
    ],
)
def test_a_bad_measure_is_refused_on_its_field(plan, home, users, overrides, field, message):
    with pytest.raises(ValidationError, match=message) as e:
        measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure(**overrides))
    assert e.value.field == field
    assert not Measure.objects.exists()


def test_a_measure_outside_the_area_cannot_be_added(away, users):
    plan_create(actor=users[Role.COUNTY], household_id=away.pk)
    with pytest.raises(NotFound):
        measure_add(actor=users[Role.TOWNSHIP], household_id=away.pk, data=_measure())
    assert not Measure.objects.exists()
    assert _actions()[-1] == "assistance.measure.add.refused"


def test_a_department_officer_cannot_add_a_measure(plan, home, users):
    with pytest.raises(PermissionDenied):
        measure_add(actor=users[Role.DEPARTMENT], household_id=home.pk, data=_measure())
    assert not Measure.objects.exists()


def test_a_measure_is_corrected_and_its_delivery_recorded(plan, home, users):
    measure = measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    updated = measure_update(
        actor=users[Role.TOWNSHIP],
        measure_id=measure.pk,
        data=_measure(provider="镇就业服务站", amount=Decimal("1500")),
        delivery=Delivery(status=DeliveryStatus.DELIVERED, on=dt.date(2025, 4, 2)),
    )
    updated.refresh_from_db()
    assert (updated.provider, updated.amount) == ("镇就业服务站", Decimal("1500.00"))
    assert (updated.delivery_status, updated.delivered_on) == (DeliveryStatus.DELIVERED, dt.date(2025, 4, 2))
    event = AuditEvent.objects.last()
    assert event.action == "assistance.measure.update"
    assert event.data["changed"]["provider"] == ["县人社局", "镇就业服务站"]
    assert measure.history.count() == 2  # nothing overwritten without a trace


def test_a_failed_measure_needs_its_reason(plan, home, users):
    measure = measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    with pytest.raises(ValidationError, match="why the measure failed") as e:
        measure_update(
            actor=users[Role.VILLAGE],
            measure_id=measure.pk,
            data=_measure(),
            delivery=Delivery(status=DeliveryStatus.FAILED, on=dt.date(2025, 4, 2)),
        )
    assert e.value.field == "delivery_note"
    measure.refresh_from_db()
    assert measure.delivery_status == DeliveryStatus.PLANNED


def test_a_delivery_needs_a_date_that_has_passed(plan, home, users):
    measure = measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    for on, message in [(None, "Give the date"), (TODAY + dt.timedelta(days=1), "in the future")]:
        with pytest.raises(ValidationError, match=message):
            measure_update(
                actor=users[Role.VILLAGE],
                measure_id=measure.pk,
                data=_measure(),
                delivery=Delivery(status=DeliveryStatus.DELIVERED, on=on),
            )
    measure.refresh_from_db()
    assert measure.delivery_status == DeliveryStatus.PLANNED


def test_a_measure_of_another_village_is_not_found_for_a_village_cadre(users, county):
    other = monitored(county.village_a2)
    plan_create(actor=users[Role.TOWNSHIP], household_id=other.pk)
    measure = measure_add(actor=users[Role.TOWNSHIP], household_id=other.pk, data=_measure())
    with pytest.raises(NotFound):
        measure_update(
            actor=users[Role.VILLAGE], measure_id=measure.pk, data=_measure(provider="x"), delivery=Delivery()
        )
    measure.refresh_from_db()
    assert measure.provider == "县人社局"
    assert _actions()[-1] == "assistance.measure.update.refused"


def test_a_measure_of_a_closed_plan_cannot_change(plan, home, users):
    measure = measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.CLOSED)
    with pytest.raises(ValidationError, match="plan is closed"):
        measure_update(
            actor=users[Role.VILLAGE], measure_id=measure.pk, data=_measure(provider="x"), delivery=Delivery()
        )
    measure.refresh_from_db()
    assert measure.provider == "县人社局"


# ---- helper_assign ------------------------------------------------------------------------------------------


def test_a_township_officer_assigns_a_village_cadre_as_helper(home, users):
    household = helper_assign(
        actor=users[Role.TOWNSHIP], household_id=home.pk, helper_id=users[Role.VILLAGE].pk
    )
    home.refresh_from_db()
    assert home.helper == users[Role.VILLAGE] == household.helper
    event = AuditEvent.objects.last()
    assert (event.action, event.data["helper"], event.data["previous"]) == (
        "assistance.helper.assign",
        "village",
        None,
    )


def test_a_village_cadre_cannot_assign_helpers(home, users):
    with pytest.raises(PermissionDenied, match="Only township officers and the county bureau assign helpers"):
        helper_assign(actor=users[Role.VILLAGE], household_id=home.pk, helper_id=users[Role.VILLAGE].pk)
    home.refresh_from_db()
    assert home.helper is None
    assert _actions() == ["assistance.helper.assign.refused"]


def test_a_helper_whose_area_does_not_cover_the_household_is_refused(home, users, county):
    elsewhere = UserFactory(username="cadre-b1", role=Role.VILLAGE, division=county.village_b1)
    with pytest.raises(ValidationError, match="does not cover the household") as e:
        helper_assign(actor=users[Role.TOWNSHIP], household_id=home.pk, helper_id=elsewhere.pk)
    assert e.value.field == "helper"
    for not_staff in (users[Role.ANALYST], users[Role.DEPARTMENT]):
        with pytest.raises(ValidationError):
            helper_assign(actor=users[Role.COUNTY], household_id=home.pk, helper_id=not_staff.pk)
    with pytest.raises(ValidationError, match="Choose a helper"):
        helper_assign(actor=users[Role.TOWNSHIP], household_id=home.pk, helper_id=987654)
    home.refresh_from_db()
    assert home.helper is None


def test_a_household_of_another_township_cannot_get_a_helper_from_this_one(away, users):
    with pytest.raises(NotFound):
        helper_assign(actor=users[Role.TOWNSHIP], household_id=away.pk, helper_id=users[Role.TOWNSHIP].pk)
    away.refresh_from_db()
    assert away.helper is None


def test_a_county_officer_can_be_the_helper_of_any_household(away, users):
    helper_assign(actor=users[Role.COUNTY], household_id=away.pk, helper_id=users[Role.COUNTY].pk)
    away.refresh_from_db()
    assert away.helper == users[Role.COUNTY]


# ---- visit_record -------------------------------------------------------------------------------------------


def _visit(**overrides) -> VisitData:
    values = {"visited_on": TODAY, "findings": "家中病人已出院，务工收入恢复。"}
    return VisitData(**{**values, **overrides})


def test_a_visit_records_findings_income_and_deliveries(plan, home, users):
    cadre = users[Role.VILLAGE]
    measure = measure_add(actor=cadre, household_id=home.pk, data=_measure())
    income = IncomeUpdate(
        components=IncomeComponents(wage_income=Decimal("2600"), production_cost=Decimal("100"))
    )
    visit = visit_record(
        actor=cadre,
        household_id=home.pk,
        data=_visit(
            income=income,
            measures=(MeasureReport(measure_id=measure.pk, status=DeliveryStatus.DELIVERED),),
            latitude=Decimal("23.123456"),
            longitude=Decimal("108.654321"),
        ),
    )
    assert (visit.visitor, visit.visited_on, visit.latitude) == (cadre, TODAY, Decimal("23.123456"))
    record = IncomeRecord.objects.get()
    assert visit.income_record == record
    assert (record.period, record.source, record.wage_income) == (
        TODAY.replace(day=1),
        IncomeSource.SURVEY,
        2600,
    )
    measure.refresh_from_db()
    assert (measure.delivery_status, measure.delivered_on) == (DeliveryStatus.DELIVERED, TODAY)
    assert VisitMeasure.objects.get().status == DeliveryStatus.DELIVERED
    assert _actions()[-2:] == ["income.record", "assistance.visit.record"]


def test_a_visit_without_income_or_measures_is_just_findings(home, users):
    visit = visit_record(actor=users[Role.TOWNSHIP], household_id=home.pk, data=_visit())
    assert visit.income_record is None
    assert not IncomeRecord.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"visited_on": TODAY + dt.timedelta(days=1)}, "visited_on", "in the future"),
        ({"latitude": Decimal("23.1")}, "latitude", "both latitude and longitude"),
        ({"latitude": Decimal("91"), "longitude": Decimal("100")}, "latitude", "between -90 and 90"),
        ({"latitude": Decimal("23"), "longitude": Decimal("181")}, "longitude", "between -180 and 180"),
        (
            {"income": IncomeUpdate(components=IncomeComponents(wage_income=Decimal("-5")))},
            "wage_income",
            "cannot be negative",
        ),
        (
            {"measures": (MeasureReport(measure_id=424242, status="delivered"),)},
            "measures",
            "not in this household",
        ),
    ],
)
def test_a_bad_visit_is_refused_and_leaves_nothing(home, users, overrides, field, message):
    with pytest.raises(ValidationError, match=message) as e:
        visit_record(actor=users[Role.VILLAGE], household_id=home.pk, data=_visit(**overrides))
    assert e.value.field == field
    assert not Visit.objects.exists()
    assert not IncomeRecord.objects.exists()


def test_a_failed_delivery_reported_on_a_visit_needs_its_reason(plan, home, users):
    measure = measure_add(actor=users[Role.VILLAGE], household_id=home.pk, data=_measure())
    with pytest.raises(ValidationError, match="why the measure failed"):
        visit_record(
            actor=users[Role.VILLAGE],
            household_id=home.pk,
            data=_visit(measures=(MeasureReport(measure_id=measure.pk, status=DeliveryStatus.FAILED),)),
        )
    assert not Visit.objects.exists()
    measure.refresh_from_db()
    assert measure.delivery_status == DeliveryStatus.PLANNED


def test_a_measure_of_another_household_cannot_be_reported_on_this_visit(plan, home, users, county):
    other = monitored(county.village_a1)
    plan_create(actor=users[Role.VILLAGE], household_id=other.pk)
    foreign = measure_add(actor=users[Role.VILLAGE], household_id=other.pk, data=_measure())
    with pytest.raises(ValidationError, match="not in this household's plan"):
        visit_record(
            actor=users[Role.VILLAGE],
            household_id=home.pk,
            data=_visit(measures=(MeasureReport(measure_id=foreign.pk, status=DeliveryStatus.DELIVERED),)),
        )
    foreign.refresh_from_db()
    assert foreign.delivery_status == DeliveryStatus.PLANNED


def test_a_visit_outside_the_area_is_not_found_and_audited(away, users):
    with pytest.raises(NotFound):
        visit_record(actor=users[Role.VILLAGE], household_id=away.pk, data=_visit())
    assert not Visit.objects.exists()
    assert _actions() == ["assistance.visit.record.refused"]


def test_a_social_organisation_cannot_record_a_visit(home, users):
    with pytest.raises(PermissionDenied, match="cannot change assistance plans or record visits"):
        visit_record(actor=users[Role.SOCIAL], household_id=home.pk, data=_visit())
    assert not Visit.objects.exists()


def test_a_household_never_monitored_gets_no_follow_up_visit(users, county):
    household = monitored(county.village_a1)
    household.status = MonitoringStatus.NORMAL
    household.save()
    with pytest.raises(ValidationError, match="Follow-up visits are for monitored households"):
        visit_record(actor=users[Role.VILLAGE], household_id=household.pk, data=_visit())
    assert not Visit.objects.exists()
