"""Fixtures of the case tests: the shared county and users, a second village cadre, and a driver that walks a
case through its steps with valid input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fangpin.accounts.roles import Role
from fangpin.cases import services
from fangpin.cases.models import Case
from fangpin.cases.rules import EligibilityFacts
from fangpin.cases.workflow import State
from fangpin.registry.income import IncomeComponents
from tests.factories import UserFactory


@pytest.fixture
def cadre_a2(county):
    return UserFactory(username="village-a2", role=Role.VILLAGE, division=county.village_a2)


@pytest.fixture
def township_b(county):
    return UserFactory(username="township-b", role=Role.TOWNSHIP, division=county.township_b)


def today() -> dt.date:
    return timezone.localdate()


VERIFICATION = services.VerificationData(
    visited_on=today(),
    findings="户主住院，家庭收入骤降。",
    income=IncomeComponents(wage_income=Decimal("6000"), transfer_income=Decimal("1200")),
    residents=3,
    medical_self_paid=Decimal("25000"),
)
APPRAISAL = services.AppraisalData(
    held_on=today(),
    attendance=21,
    votes_for=20,
    votes_against=1,
    is_agreed=True,
    category_code="sudden-hardship",
    risk_codes=("01",),
)
ELIGIBLE = EligibilityFacts(
    months_income_above_line=8,
    education_secure=True,
    medical_secure=True,
    housing_secure=True,
    water_secure=True,
    rigid_expense_controlled=True,
    has_labour=True,
    lives_on_protection=False,
)


def publish(case: Case, users) -> None:
    services.case_notice_publish(
        actor=users[Role.VILLAGE],
        case_ids=[case.pk],
        starts_on=today() - dt.timedelta(days=6),
        ends_on=today() - dt.timedelta(days=1),
    )


def drive(case: Case, users, *, to: State) -> Case:
    """Take valid steps on `case` (of village A1) until it is in state `to`."""
    village, township, county_user = users[Role.VILLAGE], users[Role.TOWNSHIP], users[Role.COUNTY]
    steps = {
        State.CONSENT: lambda: services.case_consent_record(
            actor=village,
            case_id=case.pk,
            data=services.ConsentData(
                method="attestation", signed_on=today(), attestation="户主当面签字同意"
            ),
        ),
        State.ELIGIBILITY: lambda: services.case_eligibility_check(
            actor=village, case_id=case.pk, facts=ELIGIBLE
        ),
        State.VERIFICATION: lambda: services.case_verify(actor=village, case_id=case.pk, data=VERIFICATION),
        State.CROSSCHECK: lambda: services.case_crosscheck(
            actor=village, case_id=case.pk, data=services.CrosscheckData(has_discrepancy=False)
        ),
        State.APPRAISAL: lambda: services.case_appraise(actor=village, case_id=case.pk, data=APPRAISAL),
        State.NOTICE: lambda: publish(case, users),
        State.IN_NOTICE: lambda: services.case_notice_close(actor=village, case_id=case.pk),
        State.TOWNSHIP_REVIEW: lambda: services.case_review(actor=township, case_id=case.pk),
        State.COUNTY_APPROVAL: lambda: services.case_approve(actor=county_user, case_id=case.pk),
        State.COUNTY_DECISION: lambda: services.case_eliminate(
            actor=county_user, case_id=case.pk, method="帮扶消除"
        ),
    }
    case.refresh_from_db()
    while case.state != to:
        steps[State(case.state)]()
        case.refresh_from_db()
    return case


@pytest.fixture
def open_case(households, users) -> Case:
    return services.case_open_identification(
        actor=users[Role.VILLAGE], household_id=households["a1"].pk, risk_codes=["01"]
    )
