import datetime as dt
from decimal import Decimal

import pytest

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.core.crypto import decrypt_text
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.registry.codes import Relation
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import IncomeRecord, Member
from fangpin.registry.services import (
    IncomeData,
    MemberData,
    household_file_open,
    income_record,
    member_add,
    member_id_number_reveal,
)
from tests.factories import make_id_number


def test_member_add_stores_the_id_number_encrypted_hashed_and_masked(households, users):
    number = make_id_number(birth=dt.date(1990, 3, 8), male=False)
    member = member_add(
        actor=users[Role.VILLAGE],
        household_id=households["a1"].pk,
        data=MemberData(
            name="李秀英", id_number=number.lower(), relation=Relation.SPOUSE, labour_skill="普通劳动力"
        ),
    )
    member.refresh_from_db()
    assert number not in str(member.id_number_encrypted)
    assert decrypt_text(member.id_number_encrypted) == number
    assert member.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert (member.sex, member.birth_date, member.name_initials) == ("女", dt.date(1990, 3, 8), "lxy")
    assert AuditEvent.objects.filter(action="member.add", object_id=str(member.pk)).exists()


@pytest.mark.parametrize(
    ("id_number", "reason"),
    [
        ("450123198005170035", "check digit"),
        ("450123198002300034", "real date"),
        ("4501231980", "18 characters"),
    ],
)
def test_member_add_with_an_invalid_id_number_names_the_field_and_saves_nothing(
    households, users, id_number, reason
):
    before = Member.objects.count()
    with pytest.raises(ValidationError, match=reason) as excinfo:
        member_add(
            actor=users[Role.VILLAGE],
            household_id=households["a1"].pk,
            data=MemberData(
                name="王五", id_number=id_number, relation=Relation.CHILD, labour_skill="普通劳动力"
            ),
        )
    assert excinfo.value.field == "id_number"
    assert Member.objects.count() == before
    assert not AuditEvent.objects.filter(action="member.add").exists()


def test_a_person_cannot_be_in_two_households(households, users):
    head = households["a1"].members.get()
    with pytest.raises(ValidationError, match="already a member"):
        member_add(
            actor=users[Role.COUNTY],
            household_id=households["b1"].pk,
            data=MemberData(
                name=head.name,
                id_number=decrypt_text(head.id_number_encrypted),
                relation=Relation.OTHER,
                labour_skill="普通劳动力",
            ),
        )


def test_a_village_cadre_cannot_add_to_another_village(households, users):
    with pytest.raises(NotFound):
        member_add(
            actor=users[Role.VILLAGE],
            household_id=households["b1"].pk,
            data=MemberData(
                name="王五", id_number=make_id_number(), relation=Relation.CHILD, labour_skill="普通劳动力"
            ),
        )


def test_reveal_returns_the_number_and_is_audited(households, users):
    member = households["a1"].members.get()
    number = member_id_number_reveal(actor=users[Role.TOWNSHIP], member_id=member.pk)
    assert number == decrypt_text(member.id_number_encrypted)
    assert AuditEvent.objects.filter(action="member.id_number.reveal", actor_username="township").count() == 1


def test_reveal_outside_the_jurisdiction_is_not_found_and_audited(households, users):
    member = households["b1"].members.get()
    with pytest.raises(NotFound):
        member_id_number_reveal(actor=users[Role.VILLAGE], member_id=member.pk)
    assert AuditEvent.objects.filter(action="member.id_number.denied", actor_username="village").exists()


def test_roles_without_household_access_cannot_reveal(households, users):
    member = households["a1"].members.get()
    for role in (Role.ANALYST, Role.SOCIAL, Role.DEPARTMENT):
        with pytest.raises((NotFound, PermissionDenied)):
            member_id_number_reveal(actor=users[role], member_id=member.pk)


def _income(period=dt.date(2026, 9, 1), **amounts):
    return IncomeData(
        period=period,
        components=IncomeComponents(
            **{
                "wage_income": Decimal("3000"),
                "business_income": Decimal("500"),
                "property_income": Decimal("0"),
                "transfer_income": Decimal("200"),
                "production_cost": Decimal("300"),
                **amounts,
            }
        ),
    )


def test_income_is_recorded_and_the_12_month_figure_is_per_resident(households, users):
    household = households["a1"]
    income_record(actor=users[Role.VILLAGE], household_id=household.pk, data=_income())
    income_record(
        actor=users[Role.VILLAGE], household_id=household.pk, data=_income(period=dt.date(2026, 8, 1))
    )
    file = household_file_open(actor=users[Role.VILLAGE], household_id=household.pk)
    assert file.income_12m.components.net == Decimal("6800")
    assert file.income_12m.per_person == Decimal("6800.00")  # one resident member
    assert AuditEvent.objects.filter(action="household.view").count() == 1


def test_a_negative_amount_names_the_component_and_saves_nothing(households, users):
    with pytest.raises(ValidationError) as excinfo:
        income_record(
            actor=users[Role.VILLAGE],
            household_id=households["a1"].pk,
            data=_income(production_cost=Decimal("-1")),
        )
    assert excinfo.value.field == "production_cost"
    assert not IncomeRecord.objects.exists()


def test_a_future_month_is_refused(households, users):
    with pytest.raises(ValidationError, match="future") as excinfo:
        income_record(
            actor=users[Role.VILLAGE], household_id=households["a1"].pk, data=_income(dt.date(2099, 1, 1))
        )
    assert excinfo.value.field == "period"
    assert not IncomeRecord.objects.exists()


def test_an_analyst_cannot_write_to_the_registry(households, users):
    with pytest.raises(PermissionDenied):
        income_record(actor=users[Role.ANALYST], household_id=households["a1"].pk, data=_income())


def test_changes_are_kept_in_the_household_history(households, users):
    household = households["a1"]
    household.housing_grade = "C"
    household.save()
    file = household_file_open(actor=users[Role.COUNTY], household_id=household.pk)
    assert any(getattr(row, "housing_grade", None) == "C" for row in file.history)
