"""A confirmed alert opens the household's identification case (识别认定), where identification applies."""

from fangpin.accounts.roles import Role
from fangpin.alerts.services import alert_confirm, alert_raise
from fangpin.cases.models import Case
from fangpin.registry.codes import MonitoringStatus
from tests.alerts.conftest import TODAY


def _confirmed(actor, household):
    alert = alert_raise(
        actor=actor, household_id=household.pk, risk_code="01", level="red", source="visit", evidence={}
    )
    return alert_confirm(
        actor=actor, alert_id=alert.pk, note="Hospital bills of 31,000 yuan.", visited_on=TODAY
    )


def test_confirming_an_alert_opens_an_identification_case_linked_to_it(users, households, today):
    alert = _confirmed(users[Role.VILLAGE], households["a1"])
    case = Case.objects.get(household=households["a1"])
    assert (case.kind, case.alert_id, case.risk_codes) == ("identification", alert.pk, ["01"])


def test_a_monitored_households_confirmed_alert_opens_no_identification(users, households, today):
    households["a1"].status = MonitoringStatus.MONITORED
    households["a1"].save(update_fields=["status"])
    _confirmed(users[Role.VILLAGE], households["a1"])
    assert not Case.objects.exists()


def test_a_second_confirmed_alert_joins_the_open_case_instead_of_failing(users, households, today):
    _confirmed(users[Role.VILLAGE], households["a1"])
    alert = alert_raise(
        actor=users[Role.VILLAGE],
        household_id=households["a1"].pk,
        risk_code="09",
        level="yellow",
        source="visit",
        evidence={},
    )
    assert alert_confirm(actor=users[Role.VILLAGE], alert_id=alert.pk, note="School fees.", visited_on=TODAY)
    assert Case.objects.filter(household=households["a1"]).count() == 1
