"""Two county officers approve the same case at the same moment: one transition, and "already approved" for
the other. Needs PostgreSQL's row locks; SQLite serialises whole transactions and has no SELECT … FOR UPDATE."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from fangpin.accounts.roles import Role
from fangpin.cases import services
from fangpin.cases.workflow import State
from fangpin.core.errors import TransitionNotAllowed
from fangpin.registry.models import Category, Household
from tests.cases.conftest import drive
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) are tested on PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_make_exactly_one_transition(households, users, county):
    # A transactional test before this one may have flushed the categories the migrations installed.
    Category.objects.get_or_create(
        code="sudden-hardship", defaults={"name_zh": "突发严重困难户", "name_en": "sudden"}
    )
    case = services.case_open_identification(actor=users[Role.VILLAGE], household_id=households["a1"].pk)
    drive(case, users, to=State.COUNTY_APPROVAL)
    officers = [
        users[Role.COUNTY],
        UserFactory(username="county-2", role=Role.COUNTY, division=county.county),
    ]
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def approve(officer) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # the language is per thread; the test's override stays behind
                services.case_approve(actor=officer, case_id=case.pk, note=officer.username)
            outcomes.append("approved")
        except TransitionNotAllowed as e:
            outcomes.append(e.message)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["This case has already been approved.", "approved"]
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert case.steps.filter(step="approve").count() == 1
    assert Household.objects.get(pk=case.household_id).status == "monitored"
