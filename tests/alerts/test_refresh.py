"""The screening run's write-back: new pairs become open alerts, a re-run refreshes them, never duplicates."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangpin.accounts.roles import Role
from fangpin.alerts.models import Alert, AlertSource, AlertStatus
from fangpin.alerts.services import alert_dismiss, alerts_refresh_from_screening
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.monitoring.models import LimitUnit, TimeLimit
from tests.alerts.conftest import TODAY, evidence, hit, table
from tests.factories import HouseholdFactory


def test_hits_become_open_alerts_with_a_working_day_deadline(users, households, run, today):
    result = alerts_refresh_from_screening(
        actor=users[Role.COUNTY],
        run_id=run.pk,
        hits=table([hit(households["a1"]), hit(households["b1"], "09")]),
        as_of=TODAY,
    )
    assert (result.created, result.refreshed) == (2, 0)
    alert = Alert.objects.get(household=households["a1"])
    assert (alert.status, alert.source, alert.level, alert.risk_code) == ("open", "rule", "orange", "01")
    assert alert.village_id == households["a1"].village_id
    assert alert.run_id == run.pk
    # 5 working days from Tuesday 29 September 2026, over the National Day holiday (1–7 October) and the
    # make-up working Saturday of 10 October.
    assert alert.first_visit_due == dt.date(2026, 10, 12)
    assert alert.evidence["rules"][0]["values"] == {"medical_oop_12m": "23400.00"}


def test_a_rerun_refreshes_evidence_and_never_duplicates(users, households, run, today):
    county = users[Role.COUNTY]
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    first = Alert.objects.get()
    new_evidence = evidence("31000.00", zh="医疗自付 31,000 元，超过 20,000 元")
    result = alerts_refresh_from_screening(
        actor=county,
        run_id=run.pk,
        hits=table([hit(households["a1"], level="red", evidence=new_evidence)]),
        as_of=TODAY + dt.timedelta(days=30),
    )
    assert (result.created, result.refreshed) == (0, 1)
    assert Alert.objects.count() == 1
    again = Alert.objects.get()
    assert again.pk == first.pk
    assert again.level == "red"
    assert again.evidence["rules"][0]["values"] == {"medical_oop_12m": "31000.00"}
    assert again.first_visit_due == first.first_visit_due  # the deadline runs from when it was raised


def test_a_refresh_keeps_the_higher_level(users, households, run, today):
    county = users[Role.COUNTY]
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"], level="red")]), as_of=TODAY
    )
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"], level="yellow")]), as_of=TODAY
    )
    assert Alert.objects.get().level == "red"


def test_a_hit_after_a_dismissal_opens_a_new_alert(users, households, run, today):
    county = users[Role.COUNTY]
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    alert_dismiss(
        actor=county, alert_id=Alert.objects.get().pk, reason="Paid by insurance.", visited_on=TODAY
    )
    result = alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    assert (result.created, result.refreshed) == (1, 0)
    assert sorted(Alert.objects.values_list("status", flat=True)) == ["dismissed", "open"]


def test_an_assigned_alert_is_refreshed_and_stays_assigned(users, households, run, today):
    county = users[Role.COUNTY]
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    Alert.objects.update(status=AlertStatus.ASSIGNED, assigned_to=users[Role.VILLAGE])
    result = alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    assert result.refreshed == 1
    assert Alert.objects.get().status == "assigned"


def test_a_visit_alert_of_the_same_risk_is_refreshed_by_the_run(users, households, run, today):
    from fangpin.alerts.services import alert_raise

    county = users[Role.COUNTY]
    raised = alert_raise(
        actor=county,
        household_id=households["a1"].pk,
        risk_code="01",
        level="yellow",
        source=AlertSource.VISIT,
        evidence={"explain": {"zh": "户主住院", "en": "The head is in hospital"}},
    )
    result = alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    assert (result.created, result.refreshed) == (0, 1)
    assert Alert.objects.get().pk == raised.pk


def test_a_pair_named_twice_refuses_the_whole_refresh(users, households, run, today):
    # The run's hits come grouped by household and risk type (screening/hits.py): two rows for one pair mean a
    # broken caller, and writing either would lose the other's evidence.
    rows = [hit(households["a2"]), hit(households["a1"], level="yellow"), hit(households["a1"], level="red")]
    with pytest.raises(ValidationError, match="more than once"):
        alerts_refresh_from_screening(actor=users[Role.COUNTY], run_id=run.pk, hits=table(rows), as_of=TODAY)
    assert not Alert.objects.exists()


def test_a_hit_without_a_valid_village_refuses_the_whole_refresh(users, households, run, today):
    bad = hit(households["a1"]) | {"village_code": "4501"}
    with pytest.raises(ValidationError, match=f"Household {households['a1'].pk} has no valid village code"):
        alerts_refresh_from_screening(
            actor=users[Role.COUNTY], run_id=run.pk, hits=table([hit(households["a2"]), bad]), as_of=TODAY
        )
    assert not Alert.objects.exists()


def test_the_refresh_is_one_audit_event_for_the_whole_run(users, households, run, today):
    alerts_refresh_from_screening(
        actor=users[Role.COUNTY],
        run_id=run.pk,
        hits=table([hit(households["a1"]), hit(households["a2"])]),
        as_of=TODAY,
    )
    events = AuditEvent.objects.filter(action="alerts.refresh")
    assert events.count() == 1
    assert events.get().data["created"] == 2
    assert events.get().object_id == str(run.pk)
    assert not AuditEvent.objects.filter(action="alert.raise").exists()


def test_the_system_may_write_a_run_without_a_user(households, run, today):
    result = alerts_refresh_from_screening(
        actor="screening", run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    assert result.created == 1
    assert AuditEvent.objects.get(action="alerts.refresh").actor_username == "screening"


def test_a_configured_time_limit_sets_the_deadline(users, households, run, today):
    TimeLimit.objects.create(key="alert_first_visit", amount=3, unit=LimitUnit.DAYS)
    alerts_refresh_from_screening(
        actor=users[Role.COUNTY], run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    assert Alert.objects.get().first_visit_due == dt.date(2026, 10, 2)


def test_a_past_screening_month_counts_the_deadline_from_today(users, households, run, today):
    alerts_refresh_from_screening(
        actor=users[Role.COUNTY],
        run_id=run.pk,
        hits=table([hit(households["a1"])]),
        as_of=dt.date(2026, 8, 1),
    )
    assert Alert.objects.get().first_visit_due == dt.date(2026, 10, 12)


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWNSHIP, Role.DEPARTMENT, Role.ANALYST])
def test_only_the_county_writes_a_run(users, households, run, today, role):
    with pytest.raises(PermissionDenied, match="Only the county bureau"):
        alerts_refresh_from_screening(
            actor=users[role], run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
        )
    assert not Alert.objects.exists()


def test_an_unknown_run_is_refused(users, households, today):
    with pytest.raises(NotFound, match="No such screening run"):
        alerts_refresh_from_screening(
            actor=users[Role.COUNTY], run_id=999, hits=table([hit(households["a1"])]), as_of=TODAY
        )
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("risk_code", "level", "message"),
    [("01", "purple", "Unknown alert level purple"), ("42", "red", "Unknown risk type 42")],
)
def test_a_bad_hit_refuses_the_whole_refresh(users, households, run, today, risk_code, level, message):
    hits = [hit(households["a2"]), hit(households["a1"], risk_code=risk_code, level=level)]
    with pytest.raises(ValidationError, match=message):
        alerts_refresh_from_screening(actor=users[Role.COUNTY], run_id=run.pk, hits=table(hits), as_of=TODAY)
    assert not Alert.objects.exists()
    assert not AuditEvent.objects.filter(action="alerts.refresh").exists()


def test_no_hits_write_nothing_but_the_audit_event(users, run, today):
    result = alerts_refresh_from_screening(
        actor=users[Role.COUNTY], run_id=run.pk, hits=table([]), as_of=TODAY
    )
    assert (result.created, result.refreshed) == (0, 0)
    assert AuditEvent.objects.filter(action="alerts.refresh").count() == 1


def test_the_number_of_queries_does_not_grow_with_the_hits(users, county, run, today):
    households = [HouseholdFactory(village=county.village_a1) for _ in range(120)]
    county_user = users[Role.COUNTY]
    alerts_refresh_from_screening(
        actor=county_user, run_id=run.pk, hits=table([hit(h) for h in households[:60]]), as_of=TODAY
    )
    hits = [hit(h) for h in households]  # 60 to refresh, 60 new
    with CaptureQueriesContext(connection) as small:
        alerts_refresh_from_screening(
            actor=county_user, run_id=run.pk, hits=table(hits[:10] + hits[60:70]), as_of=TODAY
        )
    Alert.objects.filter(household__in=households[60:70]).update(status=AlertStatus.DISMISSED)
    with CaptureQueriesContext(connection) as large:
        alerts_refresh_from_screening(actor=county_user, run_id=run.pk, hits=table(hits), as_of=TODAY)
    assert Alert.objects.filter(status="open").count() == 120
    # Run check, time limit, open alerts, one insert and one update (each an executemany on SQLite), the audit
    # event and the savepoints: the same statements for 20 hits or 120.
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 12
