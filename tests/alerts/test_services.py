"""Raising alerts by hand, assigning them and recording the visit: happy paths and every refusal."""

import datetime as dt

import pytest

from fangpin.accounts.roles import Role
from fangpin.alerts import services
from fangpin.alerts.models import Alert, AlertSource, AlertStatus
from fangpin.alerts.services import alert_assign, alert_confirm, alert_dismiss, alert_raise
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from tests.alerts.conftest import TODAY
from tests.factories import UserFactory

VISIT_EVIDENCE = {"explain": {"zh": "户主住院，医疗费用高", "en": "The head is in hospital with high bills"}}


def _raise(actor, household, **kwargs) -> Alert:
    args = {"risk_code": "01", "level": "orange", "source": AlertSource.VISIT, "evidence": VISIT_EVIDENCE}
    return alert_raise(actor=actor, household_id=household.pk, **{**args, **kwargs})


# --- alert_raise ---------------------------------------------------------------------------------------------


def test_a_village_cadre_raises_an_alert_from_a_visit(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    assert (alert.status, alert.source, alert.level, alert.village_id) == (
        "open",
        "visit",
        "orange",
        households["a1"].village_id,
    )
    assert alert.first_visit_due == dt.date(2026, 10, 12)  # 5 working days over the National Day holiday
    assert AuditEvent.objects.filter(action="alert.raise", object_id=str(alert.pk)).exists()


def test_a_second_raise_of_the_same_risk_adds_to_the_open_alert(users, households, today):
    first = _raise(users[Role.VILLAGE], households["a1"], level="yellow")
    push = {"explain": {"zh": "公安推送：户主死亡", "en": "Police report: the head has died"}}
    second = alert_raise(
        actor=users[Role.DEPARTMENT],
        household_id=households["a1"].pk,
        risk_code="01",
        level="red",
        source=AlertSource.FEED,
        evidence=push,
    )
    assert second.pk == first.pk
    assert Alert.objects.count() == 1
    second.refresh_from_db()
    assert second.level == "red"
    assert second.evidence["added"][0]["evidence"] == push
    assert second.evidence["explain"] == VISIT_EVIDENCE["explain"]


def test_another_risk_type_is_its_own_alert(users, households, today):
    _raise(users[Role.VILLAGE], households["a1"])
    _raise(users[Role.VILLAGE], households["a1"], risk_code="03")
    assert Alert.objects.count() == 2


def test_a_department_pushes_an_event_for_any_household_of_its_county(users, households, today):
    alert = _raise(
        users[Role.DEPARTMENT], households["b1"], source=AlertSource.FEED, risk_code="05", level="red"
    )
    assert alert.source == "feed"


@pytest.mark.parametrize(
    ("role", "source"),
    [
        (Role.DEPARTMENT, AlertSource.VISIT),
        (Role.VILLAGE, AlertSource.FEED),
        (Role.ANALYST, AlertSource.VISIT),
    ],
)
def test_a_role_cannot_raise_another_channels_alert(users, households, role, source):
    with pytest.raises(PermissionDenied, match="Your role cannot raise this kind of alert"):
        _raise(users[role], households["a1"], source=source)
    assert not Alert.objects.exists()


def test_a_village_cadre_cannot_raise_an_alert_for_another_village(users, households):
    with pytest.raises(NotFound, match="No such household"):
        _raise(users[Role.VILLAGE], households["a2"])
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"risk_code": "42"}, "Unknown risk type 42"),
        ({"level": "purple"}, "Unknown alert level purple"),
        ({"source": AlertSource.RULE}, "Rule alerts come from screening runs"),
        ({"source": "rumour"}, "Unknown alert source rumour"),
        ({"evidence": ["not", "an", "object"]}, "The evidence must be a JSON object"),
        ({"evidence": {"x": object()}}, "The evidence must be plain JSON data"),
    ],
)
def test_bad_input_raises_nothing(users, households, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        _raise(users[Role.VILLAGE], households["a1"], **kwargs)
    assert not Alert.objects.exists()


# --- alert_assign ----------------------------------------------------------------------------------------------


def test_the_township_assigns_an_alert_to_a_village_cadre(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    assigned = alert_assign(actor=users[Role.TOWNSHIP], alert_id=alert.pk, assignee_id=users[Role.VILLAGE].pk)
    assert assigned.status == AlertStatus.ASSIGNED
    assert assigned.assigned_to == users[Role.VILLAGE]
    assert assigned.assigned_at is not None
    assert AuditEvent.objects.filter(action="alert.assign", object_id=str(alert.pk)).exists()


def test_an_alert_can_be_given_to_a_township_officer_and_reassigned(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    alert_assign(actor=users[Role.COUNTY], alert_id=alert.pk, assignee_id=users[Role.VILLAGE].pk)
    again = alert_assign(actor=users[Role.COUNTY], alert_id=alert.pk, assignee_id=users[Role.TOWNSHIP].pk)
    assert again.assigned_to == users[Role.TOWNSHIP]


def test_an_alert_cannot_be_given_to_a_cadre_of_another_village(users, households, county, today):
    other = UserFactory(username="a2cadre", role=Role.VILLAGE, division=county.village_a2)
    alert = _raise(users[Role.VILLAGE], households["a1"])
    with pytest.raises(ValidationError, match="Choose a cadre of the alert's village"):
        alert_assign(actor=users[Role.TOWNSHIP], alert_id=alert.pk, assignee_id=other.pk)
    alert.refresh_from_db()
    assert (alert.status, alert.assigned_to) == ("open", None)


def test_an_alert_cannot_be_given_to_the_county_or_a_department(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    for role in (Role.COUNTY, Role.DEPARTMENT):
        with pytest.raises(ValidationError, match="Choose a cadre"):
            alert_assign(actor=users[Role.COUNTY], alert_id=alert.pk, assignee_id=users[role].pk)


def test_an_analyst_cannot_assign(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    with pytest.raises(PermissionDenied, match="Your role does not work on alerts"):
        alert_assign(actor=users[Role.ANALYST], alert_id=alert.pk, assignee_id=users[Role.VILLAGE].pk)
    alert.refresh_from_db()
    assert alert.status == "open"


def test_a_village_cadre_cannot_assign_another_villages_alert(users, households, county, today):
    alert = _raise(users[Role.COUNTY], households["b1"])
    with pytest.raises(NotFound, match="No such alert"):
        alert_assign(actor=users[Role.VILLAGE], alert_id=alert.pk, assignee_id=users[Role.VILLAGE].pk)


def test_a_closed_alert_cannot_be_assigned(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    alert_dismiss(actor=users[Role.VILLAGE], alert_id=alert.pk, reason="No hardship.", visited_on=TODAY)
    with pytest.raises(TransitionNotAllowed, match="This alert is already dismissed"):
        alert_assign(actor=users[Role.TOWNSHIP], alert_id=alert.pk, assignee_id=users[Role.VILLAGE].pk)
    alert.refresh_from_db()
    assert alert.assigned_to is None


# --- alert_confirm / alert_dismiss ----------------------------------------------------------------------------


def test_a_visit_confirms_the_alert_and_calls_the_case_hook(users, households, today, monkeypatch):
    called = []
    monkeypatch.setattr(services, "alert_confirmed_hook", lambda *, actor, alert: called.append(alert.pk))
    alert = _raise(users[Role.VILLAGE], households["a1"])
    done = alert_confirm(
        actor=users[Role.VILLAGE], alert_id=alert.pk, note="Hospital bills of 31,000 yuan.", visited_on=TODAY
    )
    assert (done.status, done.visited_on, done.outcome_note) == (
        "confirmed",
        TODAY,
        "Hospital bills of 31,000 yuan.",
    )
    assert done.closed_by == users[Role.VILLAGE]
    assert done.closed_at is not None
    assert called == [alert.pk]
    assert AuditEvent.objects.filter(action="alert.confirm", object_id=str(alert.pk)).exists()


def test_a_visit_dismisses_the_alert_with_a_reason(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    done = alert_dismiss(
        actor=users[Role.TOWNSHIP], alert_id=alert.pk, reason="Insurance paid 90 %.", visited_on=TODAY
    )
    assert (done.status, done.dismiss_reason) == ("dismissed", "Insurance paid 90 %.")
    # A dismissed alert frees the pair: the next finding opens a new alert.
    assert _raise(users[Role.VILLAGE], households["a1"]).pk != alert.pk


@pytest.mark.parametrize(
    ("write", "kwargs", "message"),
    [
        (alert_confirm, {"note": "  "}, "Write what the visit found"),
        (alert_dismiss, {"reason": ""}, "Give the reason for dismissing the alert"),
        (alert_confirm, {"note": "x" * 2001}, "Keep it under 2000 characters"),
        (
            alert_confirm,
            {"note": "ok", "visited_on": TODAY + dt.timedelta(days=1)},
            "The visit date is in the future",
        ),
        (
            alert_dismiss,
            {"reason": "ok", "visited_on": TODAY - dt.timedelta(days=3)},
            "before the alert was raised",
        ),
    ],
)
def test_a_visit_outcome_needs_its_text_and_a_sensible_date(users, households, today, write, kwargs, message):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    with pytest.raises(ValidationError, match=message):
        write(actor=users[Role.VILLAGE], alert_id=alert.pk, **{"visited_on": TODAY, **kwargs})
    alert.refresh_from_db()
    assert (alert.status, alert.visited_on, alert.closed_at) == ("open", None, None)


def test_a_confirmed_alert_cannot_be_dismissed(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    alert_confirm(actor=users[Role.VILLAGE], alert_id=alert.pk, note="Real.", visited_on=TODAY)
    with pytest.raises(TransitionNotAllowed, match="already confirmed"):
        alert_dismiss(
            actor=users[Role.COUNTY], alert_id=alert.pk, reason="Changed my mind.", visited_on=TODAY
        )
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason) == ("confirmed", "")


def test_a_department_officer_cannot_close_an_alert(users, households, today):
    alert = _raise(users[Role.VILLAGE], households["a1"])
    with pytest.raises(PermissionDenied, match="Your role does not work on alerts"):
        alert_confirm(actor=users[Role.DEPARTMENT], alert_id=alert.pk, note="x", visited_on=TODAY)
    alert.refresh_from_db()
    assert alert.status == "open"


def test_a_village_cadre_cannot_close_another_villages_alert(users, households, today):
    alert = _raise(users[Role.COUNTY], households["a2"])
    with pytest.raises(NotFound, match="No such alert"):
        alert_dismiss(actor=users[Role.VILLAGE], alert_id=alert.pk, reason="x", visited_on=TODAY)
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_assignee_gets_an_email_once_the_assignment_commits(
    users, households, today, django_capture_on_commit_callbacks, mailoutbox
):
    cadre = users[Role.VILLAGE]
    cadre.email = "cadre@example.cn"
    cadre.save(update_fields=["email"])
    alert = _raise(cadre, households["a1"])
    with django_capture_on_commit_callbacks(execute=True):
        alert_assign(actor=users[Role.TOWNSHIP], alert_id=alert.pk, assignee_id=cadre.pk)
    assert [m.to for m in mailoutbox] == [["cadre@example.cn"]]
