"""Reads of the registry. Every one starts from `households_visible_to`, so "not found" and "not yours" are
the same answer."""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from fangpin.core.crypto import keyed_hash
from fangpin.core.dates import add_months
from fangpin.core.errors import NotFound
from fangpin.divisions.jurisdiction import scope_for
from fangpin.registry.codes import IncomeSource, Relation
from fangpin.registry.id_numbers import InvalidIdNumber, normalize_id_number
from fangpin.registry.income import COMPONENT_SIGNS, IncomeComponents, income_per_person
from fangpin.registry.models import Household, IncomeRecord, Member

_INITIALS = re.compile(r"^[a-zA-Z]{1,10}$")
_ID_TAIL = re.compile(r"^\d{3}[\dXx]$")


def households_visible_to(actor) -> QuerySet[Household]:
    return scope_for(actor).filter(Household.objects.all(), field="village_id")


def members_visible_to(actor) -> QuerySet[Member]:
    return scope_for(actor).filter(Member.objects.all(), field="household__village_id")


@dataclass(frozen=True)
class HouseholdFilter:
    query: str = ""  # a name, pinyin initials, a full ID number or the last four characters of one
    village_code: str = ""
    category_code: str = ""
    status: str = ""


def household_list(*, actor, filters: HouseholdFilter) -> QuerySet[Household]:
    """The household list: scoped, filtered and ordered; cheap to count and to slice into pages."""
    qs = households_visible_to(actor)
    if filters.village_code:
        qs = qs.filter(village_id=filters.village_code)
    if filters.category_code:
        qs = qs.filter(category__code=filters.category_code)
    if filters.status:
        qs = qs.filter(status=filters.status)
    query = filters.query.strip()
    if query:
        qs = qs.filter(id__in=_matching_members(query).values("household_id"))
    return qs.select_related("village", "category").order_by("village_id", "number")


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    head_name: str
    head_id_masked: str
    residents: int


def household_rows(households: Sequence[Household]) -> list[HouseholdRow]:
    """The head and the resident count of one page of households, in one query. (As annotations of the
    list they would be computed for every row an OFFSET skips: seconds on page 4,000 of a large county.)"""
    members: dict[int, list[Member]] = defaultdict(list)
    page_members = Member.objects.filter(household_id__in=[h.pk for h in households]).only(
        "household_id", "relation", "name", "id_number_masked", "is_resident"
    )
    for member in page_members.order_by("id"):
        members[member.household_id].append(member)
    rows = []
    for household in households:
        residents = [m for m in members[household.pk] if m.is_resident]
        head = next((m for m in residents if m.relation == Relation.HEAD), None)
        rows.append(
            HouseholdRow(
                household=household,
                head_name=head.name if head else "",
                head_id_masked=head.id_number_masked if head else "",
                residents=len(residents),
            )
        )
    return rows


def _matching_members(query: str) -> QuerySet[Member]:
    """Members a search box entry means: a full ID number (by its keyed hash), the last four characters of
    one, pinyin initials (a prefix), or characters anywhere in the name."""
    try:
        return Member.objects.filter(id_number_hash=keyed_hash(normalize_id_number(query)))
    except InvalidIdNumber:
        pass
    if _ID_TAIL.match(query):
        return Member.objects.filter(id_number_masked__endswith=query.upper())
    if _INITIALS.match(query):
        return Member.objects.filter(**_prefix("name_initials", query.lower()))
    # Cadres search by given name alone (秀英) as often as by full name, so this is a substring match; on
    # PostgreSQL a trigram index answers it (and the ID tail above), on SQLite it scans the members.
    return Member.objects.filter(name__contains=query)


def _prefix(field: str, prefix: str) -> dict[str, str]:
    """A prefix filter that an index can answer on either database."""
    if connection.vendor == "postgresql":
        # LIKE 'x%' uses the varchar_pattern_ops index Django adds to indexed text columns, whatever the
        # database's collation (a range would depend on it).
        return {f"{field}__startswith": prefix}
    # SQLite's LIKE ignores ASCII case and so cannot use a plain index; a range in binary order can.
    return {f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"}


def household_get(*, actor, household_id: int) -> Household:
    try:
        return (
            households_visible_to(actor)
            .select_related("village__parent", "category", "helper")
            .get(pk=household_id)
        )
    except Household.DoesNotExist:
        raise NotFound("No such household.") from None


def member_get(*, actor, member_id: int) -> Member:
    try:
        return members_visible_to(actor).select_related("household").get(pk=member_id)
    except Member.DoesNotExist:
        raise NotFound("No such member.") from None


def household_members(*, household: Household) -> QuerySet[Member]:
    return household.members.order_by("-is_resident", "birth_date")


def household_incomes(*, household: Household, months: int = 12) -> list[IncomeRecord]:
    """Every record of the `months` months ending with the latest recorded one, newest first."""
    latest = household.incomes.order_by("-period").values_list("period", flat=True).first()
    if latest is None:
        return []
    start = add_months(latest, -(months - 1))
    return list(household.incomes.filter(period__gte=start).order_by("-period", "source"))


@dataclass(frozen=True)
class IncomeSummary:
    period_start: dt.date | None
    period_end: dt.date | None
    components: IncomeComponents
    residents: int
    per_person: Decimal | None


# When a month has records from several sources, the one closest to the household counts.
SOURCE_PRIORITY = [IncomeSource.SURVEY, IncomeSource.FEED, IncomeSource.ESTIMATE, IncomeSource.SIMULATION]


def household_income_12m(*, records: list[IncomeRecord], residents: int) -> IncomeSummary:
    """Income over the 12 months of `records` (from household_incomes), one record per month, and per person."""
    best: dict[dt.date, IncomeRecord] = {}
    for record in sorted(records, key=lambda r: SOURCE_PRIORITY.index(r.source), reverse=True):
        best[record.period] = record
    if not best:
        return IncomeSummary(None, None, IncomeComponents(), residents, None)
    components = IncomeComponents(
        **{name: sum((getattr(r, name) for r in best.values()), Decimal(0)) for name in COMPONENT_SIGNS}
    )
    return IncomeSummary(
        min(best), max(best), components, residents, income_per_person(components, residents=residents)
    )


def household_history(*, household: Household, limit: int = 50) -> list:
    """Changes to the household and its members, newest first (django-simple-history rows)."""
    rows = list(household.history.select_related("history_user").order_by("-history_date")[:limit])
    rows += list(
        Member.history.filter(household_id=household.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    return sorted(rows, key=lambda r: r.history_date, reverse=True)[:limit]
