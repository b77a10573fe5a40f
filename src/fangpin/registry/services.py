"""Writes to the registry (and the audited reads of personal data). Each takes the acting user, checks role
and jurisdiction, validates, writes in one transaction and records one audit event."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role, can_edit_registry, can_reveal_id_numbers
from fangpin.audit.services import audit_record
from fangpin.core import clock
from fangpin.core.crypto import decrypt_text, encrypt_text, keyed_hash
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.core.pinyin import name_initials
from fangpin.registry import selectors
from fangpin.registry.codes import Health, IncomeSource, MedicalInsurance, Relation, Sex
from fangpin.registry.id_numbers import (
    InvalidIdNumber,
    birth_date_of,
    is_male,
    mask_id_number,
    normalize_id_number,
)
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import Household, IncomeRecord, Member


def registry_edit_check(actor) -> None:
    """Refuse roles that may not change household files (the forms ask before they are shown, too)."""
    if not can_edit_registry(Role(actor.role)):
        raise PermissionDenied(_("Your role cannot change household files."))


def _full_clean(obj, *, exclude: list[str]) -> None:
    """The model's own field checks (choices, ranges), reported as our ValidationError on the first bad field."""
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as e:
        name, messages = next(iter(e.message_dict.items()))
        raise ValidationError(" ".join(messages), field=name) from None


@dataclass(frozen=True)
class HouseholdFile:
    """Everything the household page shows, gathered in one audited read."""

    household: Household
    members: list[Member]
    incomes: list[IncomeRecord]
    income_12m: selectors.IncomeSummary
    history: list = field(default_factory=list)


@contextmanager
def _denied_look_audited(actor, *, action: str, object_type: str, pk: int) -> Iterator[None]:
    """A look-up outside the actor's jurisdiction (NotFound) is itself audited, then re-raised."""
    try:
        yield
    except NotFound:
        audit_record(actor=actor, action=action, object_type=object_type, object_id=str(pk))
        raise


@dataclass(frozen=True)
class HouseholdPage:
    page: Page
    rows: list[selectors.HouseholdRow]


def household_search(
    *, actor, filters: selectors.HouseholdFilter, page: str | int | None, page_size: int
) -> HouseholdPage:
    """One page of the household list. Names and masked IDs are personal data, so the search is audited."""
    result = Paginator(selectors.household_list(actor=actor, filters=filters), page_size).get_page(page)
    rows = selectors.household_rows(list(result.object_list))
    audit_record(
        actor=actor,
        action="household.list",
        object_type="registry.household",
        data={**asdict(filters), "page": result.number, "shown": len(rows)},
    )
    return HouseholdPage(page=result, rows=rows)


def household_file_open(*, actor, household_id: int) -> HouseholdFile:
    """Open a household's file. Reading it is a read of personal data, so it is audited; so is a refused look."""
    with _denied_look_audited(
        actor, action="household.denied", object_type="registry.household", pk=household_id
    ):
        household = selectors.household_get(actor=actor, household_id=household_id)
    members = list(selectors.household_members(household=household))
    residents = sum(1 for m in members if m.is_resident)
    incomes = selectors.household_incomes(household=household)
    audit_record(actor=actor, action="household.view", obj=household)
    return HouseholdFile(
        household=household,
        members=members,
        incomes=incomes,
        income_12m=selectors.household_income_12m(records=incomes, residents=residents),
        history=selectors.household_history(household=household),
    )


def member_id_number_reveal(*, actor, member_id: int) -> str:
    """The full ID number, for a role allowed to see it within its jurisdiction; every reveal is audited."""
    with _denied_look_audited(
        actor, action="member.id_number.denied", object_type="registry.member", pk=member_id
    ):
        member = selectors.member_get(actor=actor, member_id=member_id)
    if not can_reveal_id_numbers(Role(actor.role)):
        audit_record(actor=actor, action="member.id_number.denied", obj=member)
        raise PermissionDenied(_("Your role cannot see full ID numbers."))
    audit_record(actor=actor, action="member.id_number.reveal", obj=member)
    return decrypt_text(member.id_number_encrypted)


@dataclass(frozen=True)
class MemberData:
    name: str
    id_number: str
    relation: str
    education: str = ""
    school_status: str = ""
    health: str = Health.HEALTHY
    disability_grade: int | None = None
    labour_skill: str = ""
    medical_insurance: str = MedicalInsurance.RESIDENT
    months_employed: int = 0


def id_number_fields(id_number: str) -> dict:
    """The stored forms of an ID number (encrypted, keyed hash, masked): the one place they are made."""
    return {
        "id_number_encrypted": encrypt_text(id_number),
        "id_number_hash": keyed_hash(id_number),
        "id_number_masked": mask_id_number(id_number),
    }


@transaction.atomic
def member_add(*, actor, household_id: int, data: MemberData) -> Member:
    """Register a person in a household (the sex and birth date come from the ID number)."""
    registry_edit_check(actor)
    household = selectors.household_get(actor=actor, household_id=household_id)
    name = data.name.strip()
    if not name:
        raise ValidationError(_("Enter the member's name."), field="name")
    try:
        id_number = normalize_id_number(data.id_number)
    except InvalidIdNumber as e:
        raise ValidationError(str(e), field="id_number") from None
    digest = keyed_hash(id_number)
    if Member.objects.filter(id_number_hash=digest, is_resident=True).exists():
        raise ValidationError(_("This person is already a member of a household."), field="id_number")
    if (
        data.relation == Relation.HEAD
        and household.members.filter(relation=Relation.HEAD, is_resident=True).exists()
    ):
        raise ValidationError(_("This household already has a head."), field="relation")
    if data.disability_grade is not None and data.health != Health.DISABLED:
        raise ValidationError(
            _("A disability grade is only recorded for a disabled member."), field="disability_grade"
        )
    member = Member(
        household=household,
        name=name,
        name_initials=name_initials(name),
        relation=data.relation,
        sex=Sex.MALE if is_male(id_number) else Sex.FEMALE,
        birth_date=birth_date_of(id_number),
        education=data.education,
        school_status=data.school_status,
        health=data.health,
        disability_grade=data.disability_grade,
        labour_skill=data.labour_skill,
        medical_insurance=data.medical_insurance,
        months_employed=data.months_employed,
        **id_number_fields(id_number),
    )
    _full_clean(member, exclude=["household"])
    member.save()
    audit_record(
        actor=actor, action="member.add", obj=member, data={"household": household.number, "name": name}
    )
    return member


@dataclass(frozen=True)
class IncomeData:
    period: dt.date
    components: IncomeComponents
    medical_self_paid: Decimal = Decimal(0)
    schooling_self_paid: Decimal = Decimal(0)
    claims_income: Decimal = Decimal(0)
    source: str = IncomeSource.SURVEY


@transaction.atomic
def income_record(*, actor, household_id: int, data: IncomeData) -> IncomeRecord:
    """Record (or correct) one month of a household's income from a survey or visit."""
    registry_edit_check(actor)
    household: Household = selectors.household_get(actor=actor, household_id=household_id)
    if data.period.day != 1:
        raise ValidationError(_("Give the month, as its first day."), field="period")
    if data.period > clock.today():
        raise ValidationError(_("The month is in the future."), field="period")
    amounts = {
        **asdict(data.components),
        "medical_self_paid": data.medical_self_paid,
        "schooling_self_paid": data.schooling_self_paid,
        "claims_income": data.claims_income,
    }
    for name, amount in amounts.items():
        if amount < 0:
            raise ValidationError(_("An amount cannot be negative."), field=name)
        if amount >= Decimal("1e10"):
            raise ValidationError(_("The amount is too large to be a month's income."), field=name)
    record, created = IncomeRecord.objects.update_or_create(
        household=household, period=data.period, source=data.source, defaults=amounts
    )
    audit_record(
        actor=actor,
        action="income.record" if created else "income.correct",
        obj=record,
        data={
            "household": household.number,
            "period": data.period.isoformat(),
            **{k: str(v) for k, v in amounts.items()},
        },
    )
    return record
