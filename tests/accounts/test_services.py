import pytest
from django.test import Client

from fangpin.accounts.roles import Role
from fangpin.accounts.services import DEMO_PASSWORD, demo_users_create, user_create
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import ValidationError


def test_a_user_must_be_attached_to_a_division_of_their_roles_level(county):
    with pytest.raises(ValidationError) as excinfo:
        user_create(
            actor="test",
            username="x",
            password="long-enough-1",
            role=Role.VILLAGE,
            division=county.township_a,
        )
    assert excinfo.value.field == "division"


def test_demo_log_ins_cover_every_role_and_can_log_in(county):
    logins = demo_users_create(actor="test", county_code=county.county.code)
    assert {login.role for login in logins} == set(Role)
    client = Client()
    assert client.login(username="village", password=DEMO_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.login", actor_username="village").exists()


def test_a_failed_log_in_is_audited(county):
    Client().login(username="nobody", password="wrong")
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username="nobody").exists()
