import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fangpin.audit.models import AppendOnly, AuditEvent
from fangpin.audit.services import audit_record, audit_verify


def _three_events(user):
    for i in range(3):
        audit_record(
            actor=user, action="test.write", object_type="x", object_id=str(i), data={"i": i, "名": "张伟"}
        )


def test_an_intact_chain_verifies(users):
    _three_events(users["county"])
    report = audit_verify()
    assert report.ok and report.checked == 3


def test_editing_one_row_in_the_database_breaks_the_chain_at_that_row(users):
    _three_events(users["county"])
    second = AuditEvent.objects.order_by("id")[1]
    with connection.cursor() as cursor:  # what a tamperer would do, bypassing the model
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["test.forged", second.id])
    report = audit_verify()
    assert not report.ok and report.broken_id == second.id
    with pytest.raises(CommandError, match=f"event {second.id}"):
        call_command("audit", "verify")


def test_deleting_a_row_breaks_the_link_of_the_next_one(users):
    _three_events(users["county"])
    _first, second, third = AuditEvent.objects.order_by("id")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [second.id])
    report = audit_verify()
    assert report.broken_id == third.id and "deleted" in report.reason


def test_deleting_the_newest_row_is_noticed_through_the_chain_head(users):
    _three_events(users["county"])
    last = AuditEvent.objects.order_by("id").last()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.id])
    assert not audit_verify().ok


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(users):
    _three_events(users["county"])
    event = AuditEvent.objects.first()
    event.action = "x"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.update(action="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert audit_verify().ok


def test_the_verify_command_reports_an_intact_chain(users, capsys):
    _three_events(users["county"])
    call_command("audit", "verify")
    assert "3 events verified" in capsys.readouterr().out
