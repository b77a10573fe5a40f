"""Shared fixtures: a small county tree, one user per role, and households in two villages."""

from dataclasses import dataclass

import pytest
from django.utils import translation
from hypothesis import settings

from fangpin.accounts.roles import Role
from fangpin.divisions.models import Division
from tests.factories import DivisionFactory, HouseholdFactory, MemberFactory, UserFactory

# No per-example deadline: the machines are shared and noisy, and speed is checked by benchmarks, not tests.
settings.register_profile("fangpin", deadline=None)
settings.load_profile("fangpin")

COUNTY = "450123000000"
TOWNSHIP_A = "450123100000"
TOWNSHIP_B = "450123101000"
VILLAGE_A1 = "450123100201"
VILLAGE_A2 = "450123100202"
VILLAGE_B1 = "450123101201"


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Service and validator messages are asserted in English; pages set their own language per request."""
    with translation.override("en"):
        yield


@dataclass
class County:
    county: Division
    township_a: Division
    township_b: Division
    village_a1: Division
    village_a2: Division
    village_b1: Division


@pytest.fixture
def county(db) -> County:
    c = DivisionFactory(code=COUNTY, name="安宁县", level="county")
    ta = DivisionFactory(code=TOWNSHIP_A, name="城关镇", level="township", parent=c)
    tb = DivisionFactory(code=TOWNSHIP_B, name="石门乡", level="township", parent=c)
    return County(
        county=c,
        township_a=ta,
        township_b=tb,
        village_a1=DivisionFactory(code=VILLAGE_A1, name="东岭村", level="village", parent=ta),
        village_a2=DivisionFactory(code=VILLAGE_A2, name="西岭村", level="village", parent=ta),
        village_b1=DivisionFactory(code=VILLAGE_B1, name="石门村", level="village", parent=tb),
    )


@pytest.fixture
def users(county):
    """One user per role: county-level roles at the county, a township officer of A, a village cadre of A1."""
    return {
        Role.COUNTY: UserFactory(username="county", role=Role.COUNTY, division=county.county),
        Role.TOWNSHIP: UserFactory(username="township", role=Role.TOWNSHIP, division=county.township_a),
        Role.VILLAGE: UserFactory(username="village", role=Role.VILLAGE, division=county.village_a1),
        Role.DEPARTMENT: UserFactory(
            username="dept", role=Role.DEPARTMENT, division=county.county, department="卫健"
        ),
        Role.SOCIAL: UserFactory(username="social", role=Role.SOCIAL, division=county.county),
        Role.ANALYST: UserFactory(username="analyst", role=Role.ANALYST, division=county.county),
    }


@pytest.fixture
def households(county):
    """Two households in village A1, one in A2, one in B1, each with a head."""
    result = {}
    for key, village in [
        ("a1", county.village_a1),
        ("a1b", county.village_a1),
        ("a2", county.village_a2),
        ("b1", county.village_b1),
    ]:
        h = HouseholdFactory(village=village)
        MemberFactory(household=h)
        result[key] = h
    return result
