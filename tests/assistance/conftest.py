"""Fixtures of the assistance tests: monitored households with risks and labour, one in each area."""

import datetime as dt

import pytest

from fangpin.accounts.roles import Role
from fangpin.assistance.codes import FollowUpLevel
from fangpin.assistance.services import plan_create
from fangpin.registry.codes import LabourSkill, MonitoringStatus
from tests.factories import HouseholdFactory, MemberFactory


def monitored(
    village, *, risk_codes=("01", "07"), labour=LabourSkill.ORDINARY, identified_on=dt.date(2025, 1, 10)
):
    household = HouseholdFactory(
        village=village,
        status=MonitoringStatus.MONITORED,
        risk_codes=list(risk_codes),
        identified_on=identified_on,
    )
    MemberFactory(household=household, labour_skill=labour)
    return household


@pytest.fixture
def home(county):
    """A monitored household of village A1 (illness and unstable employment), whose head can work."""
    return monitored(county.village_a1)


@pytest.fixture
def away(county):
    """A monitored household of village B1, outside township A."""
    return monitored(county.village_b1)


@pytest.fixture
def plan(home, users):
    return plan_create(actor=users[Role.VILLAGE], household_id=home.pk, level=FollowUpLevel.YELLOW)
