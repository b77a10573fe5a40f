"""Creating users; the demo county's log-ins, one per role."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from fangpin.accounts.models import User
from fangpin.accounts.roles import ROLE_LEVEL, Role
from fangpin.audit.services import audit_record
from fangpin.core.errors import ValidationError
from fangpin.divisions.codes import level_of
from fangpin.divisions.models import Division


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: Role,
    division: Division,
    department: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """A user of one role attached to one division of that role's level (a township officer to a township…)."""
    if level_of(division.code) != ROLE_LEVEL[role]:
        raise ValidationError(
            _("A %(role)s belongs to a %(level)s, not to %(division)s.")
            % {"role": role.label, "level": ROLE_LEVEL[role].label, "division": division.name},
            field="division",
        )
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "division": division,
            "department": department,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
            "is_active": True,
        },
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor, action="user.create", obj=user, data={"role": role.value, "division": division.code}
    )
    return user


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    division: str


DEMO_PASSWORD = "fangpin-demo"


def demo_users_create(*, actor, county_code: str) -> list[DemoLogin]:
    """One log-in per role in the simulated county: a cadre of its first village, an officer of its first
    township, and county-level roles; plus `admin` (county bureau, Django admin)."""
    county = Division.objects.get(code=county_code)
    township = Division.objects.filter(parent=county).order_by("code").first()
    village = Division.objects.filter(parent=township).order_by("code").first()
    plan = [
        ("admin", Role.COUNTY, county, "", True),
        ("county", Role.COUNTY, county, "", False),
        ("township", Role.TOWNSHIP, township, "", False),
        ("village", Role.VILLAGE, village, "", False),
        ("health", Role.DEPARTMENT, county, "卫健", False),
        ("charity", Role.SOCIAL, county, "", False),
        ("analyst", Role.ANALYST, county, "", False),
    ]
    logins = []
    for username, role, division, department, admin in plan:
        user_create(
            actor=actor,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            division=division,
            department=department,
            is_staff=admin,
            is_superuser=admin,
        )
        logins.append(DemoLogin(username, DEMO_PASSWORD, role, division.name))
    return logins
