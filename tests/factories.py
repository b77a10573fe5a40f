"""factory_boy factories shared by every app's tests: a small county with two townships and three villages."""

import datetime as dt
import itertools

import factory

from fangpin.accounts.models import User
from fangpin.accounts.roles import Role
from fangpin.divisions.models import Division
from fangpin.registry.codes import Health, LabourSkill, MedicalInsurance, Relation, Sex
from fangpin.registry.id_numbers import birth_date_of, check_character, is_male
from fangpin.registry.models import Household, Member
from fangpin.registry.services import id_number_fields

_order = itertools.count(1)


def make_id_number(
    *, region: str = "450123", birth: dt.date = dt.date(1980, 5, 17), male: bool = True
) -> str:
    """A valid, never-repeating ID number for tests."""
    n = next(_order) % 500
    body = f"{region}{birth:%Y%m%d}{n * 2 + (1 if male else 0):03d}"
    return body + check_character(body)


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")
    role = Role.VILLAGE


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"H{n:08d}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        exclude = ("id_number",)

    household = factory.SubFactory(HouseholdFactory)
    name = "张伟"
    name_initials = "zw"
    relation = Relation.HEAD
    id_number = factory.LazyFunction(make_id_number)
    sex = factory.LazyAttribute(lambda o: Sex.MALE if is_male(o.id_number) else Sex.FEMALE)
    birth_date = factory.LazyAttribute(lambda o: birth_date_of(o.id_number))
    health = Health.HEALTHY
    labour_skill = LabourSkill.ORDINARY
    medical_insurance = MedicalInsurance.RESIDENT

    @factory.lazy_attribute
    def id_number_encrypted(self):
        return id_number_fields(self.id_number)["id_number_encrypted"]

    @factory.lazy_attribute
    def id_number_hash(self):
        return id_number_fields(self.id_number)["id_number_hash"]

    @factory.lazy_attribute
    def id_number_masked(self):
        return id_number_fields(self.id_number)["id_number_masked"]
