"""E-mail: the assignment notice to the assignee, and the daily digest of overdue work built from the inbox,
sent with the clock moved (`today`, `--date`), skipping users without an address or with nothing urgent."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.web.inbox import inbox_for
from fangpin.web.notify import digest_message, inbox_digest_send, notify_alert_assigned
from tests.factories import UserFactory
from tests.web.test_inbox import TODAY, make_alert, make_case

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def cadre(users):
    user = users[Role.VILLAGE]
    user.email = "cadre@example.cn"
    user.save(update_fields=["email"])
    return user


def test_the_assignee_is_told_of_an_alert_with_a_link(cadre, households, settings):
    settings.FANGPIN_SITE_URL = "https://fangpin.example.cn/"
    alert = make_alert(households["a1"], assigned_to=cadre)
    assert notify_alert_assigned(alert) is True
    [message] = mail.outbox
    assert message.to == ["cadre@example.cn"]
    assert "Alert assigned to you" in message.subject and "东岭村" in message.subject
    assert households["a1"].number in message.body
    assert f"https://fangpin.example.cn/alerts/{alert.pk}/" in message.body
    assert "First visit due" in message.body


def test_an_assignee_without_an_address_gets_nothing(users, households):
    alert = make_alert(households["a1"], assigned_to=users[Role.VILLAGE])
    assert notify_alert_assigned(alert) is False
    assert mail.outbox == []


def test_an_unassigned_alert_sends_nothing(households):
    assert notify_alert_assigned(make_alert(households["a1"])) is False
    assert mail.outbox == []


def test_the_digest_lists_what_is_overdue_once_the_clock_has_moved(cadre, households):
    alert = make_alert(households["a1"], assigned_to=cadre, due=TODAY + dt.timedelta(days=5))
    assert inbox_digest_send(today=TODAY).sent == 0  # nothing due yet
    assert mail.outbox == []
    result = inbox_digest_send(today=TODAY + dt.timedelta(days=10))
    assert result.sent == 1
    [message] = mail.outbox
    assert message.to == ["cadre@example.cn"]
    assert "1 overdue" in message.subject
    assert "Alerts assigned to me" in message.body and households["a1"].number in message.body
    assert f"/alerts/{alert.pk}/" in message.body and "/inbox/" in message.body
    assert "overdue, was due" in message.body


def test_a_step_due_the_next_working_day_is_in_the_digest(cadre, households, users):
    case = make_case(households["a1"], users)
    day_before = case.step_due_on - dt.timedelta(days=1)
    while day_before.weekday() >= 5:  # the last working day before it
        day_before -= dt.timedelta(days=1)
    assert inbox_digest_send(today=day_before).sent == 1
    [message] = mail.outbox
    assert f"/cases/{case.pk}/" in message.body and "due " in message.body


def test_users_without_an_address_are_skipped_and_counted(cadre, users, households):
    make_alert(households["a1"], assigned_to=cadre, due=TODAY)
    make_alert(households["a2"], due=TODAY)  # unassigned and late: the township officer's, who has no e-mail
    result = inbox_digest_send(today=TODAY + dt.timedelta(days=3))
    assert (result.sent, result.without_email) == (1, 2)  # township and county have no address
    assert [m.to for m in mail.outbox] == [["cadre@example.cn"]]
    event = AuditEvent.objects.get(action="inbox.digest")
    assert event.data["sent"] == 1 and event.data["without_email"] == 2


def test_each_user_gets_one_digest_however_much_is_overdue(cadre, users, households):
    for key in ("a1", "a1b"):
        make_alert(households[key], assigned_to=cadre, due=TODAY)
    officer = users[Role.TOWNSHIP]
    officer.email = "township@example.cn"
    officer.save(update_fields=["email"])
    inbox_digest_send(today=TODAY + dt.timedelta(days=3))
    assert sorted(m.to[0] for m in mail.outbox) == ["cadre@example.cn", "township@example.cn"]
    cadre_mail = next(m for m in mail.outbox if m.to == ["cadre@example.cn"])
    assert "2 overdue" in cadre_mail.subject


def test_inactive_users_and_roles_without_households_get_no_digest(cadre, users, households):
    make_alert(households["a1"], assigned_to=cadre, due=TODAY)
    cadre.is_active = False
    cadre.save(update_fields=["is_active"])
    UserFactory(username="analyst-mail", role=Role.ANALYST, email="a@example.cn")
    assert inbox_digest_send(today=TODAY + dt.timedelta(days=3)).sent == 0
    assert mail.outbox == []


def test_the_digest_is_chinese_with_english_below(cadre, households):
    make_alert(households["a1"], assigned_to=cadre, due=TODAY)
    message = digest_message(user=cadre, inbox=inbox_for(actor=cadre, today=TODAY + dt.timedelta(days=3)))
    chinese, english = message.body.split("\n\n----------\n\n")
    assert "overdue, was due" in english
    assert "东岭村" in chinese and households["a1"].number in chinese


def test_the_command_sends_the_digest_for_the_given_date(cadre, households, capsys):
    make_alert(households["a1"], assigned_to=cadre, due=TODAY)
    call_command("inbox_digest", "--date", (TODAY + dt.timedelta(days=3)).isoformat())
    assert len(mail.outbox) == 1
    assert "1 digests sent" in capsys.readouterr().out


def test_the_command_defaults_to_today(cadre, households):
    make_alert(households["a1"], assigned_to=cadre, due=timezone.localdate() + dt.timedelta(days=20))
    call_command("inbox_digest")
    assert mail.outbox == []


def test_the_command_refuses_a_bad_date(cadre):
    with pytest.raises(CommandError, match="not a date"):
        call_command("inbox_digest", "--date", "2026-13-01")
    assert mail.outbox == []
