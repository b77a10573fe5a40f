"""Reads of assistance. Each starts from the registry's jurisdiction scope, so a plan, measure or visit of a
household outside the caller's area is simply "not found"."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from fangpin.accounts.roles import Role
from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel, MeasureKind, PlanStatus
from fangpin.assistance.models import Measure, MeasureType, Plan, RiskSuggestion, Visit
from fangpin.assistance.schedule import overdue_cutoff
from fangpin.core.errors import NotFound
from fangpin.divisions.codes import parent_code
from fangpin.monitoring.selectors import Limit, limit_end, time_limit
from fangpin.registry.codes import LABOUR_SKILLS, MonitoringStatus
from fangpin.registry.models import Household, Member
from fangpin.registry.selectors import households_visible_to


def household_plan(*, household: Household) -> Plan | None:
    """The household's plan in force, if it has one."""
    return household.plans.filter(status=PlanStatus.ACTIVE).select_related("created_by").first()


def plan_measures(*, plan: Plan) -> list[Measure]:
    return list(plan.measures.select_related("measure_type").order_by("start_date", "id"))


def measure_get(*, actor, measure_id: int) -> Measure:
    measures = Measure.objects.filter(plan__household__in=households_visible_to(actor))
    try:
        return measures.select_related("plan__household__village", "measure_type").get(pk=measure_id)
    except Measure.DoesNotExist:
        raise NotFound("No such measure.") from None


def measure_types_in_use() -> QuerySet[MeasureType]:
    return MeasureType.objects.filter(is_active=True).order_by("sort_order", "code")


def suggestions_for(*, risk_codes: list[str]) -> list[RiskSuggestion]:
    """Suggested measure types for these risk types; a two-digit suggestion also covers its sub-types."""
    codes = set(risk_codes) | {code[:2] for code in risk_codes}
    return list(
        RiskSuggestion.objects.filter(risk_code__in=codes, measure_type__is_active=True)
        .select_related("measure_type")
        .order_by("risk_code", "sort_order", "id")
    )


def suggestion_applies(suggestion: RiskSuggestion, risk_codes: list[str]) -> list[str]:
    """The household's risk codes a suggestion answers (02 answers 0201)."""
    return [code for code in risk_codes if code == suggestion.risk_code or code[:2] == suggestion.risk_code]


def suggestion_get(*, suggestion_id: int) -> RiskSuggestion | None:
    return RiskSuggestion.objects.select_related("measure_type").filter(pk=suggestion_id).first()


def _has_labour() -> Exists:
    return Exists(
        Member.objects.filter(household=OuterRef("pk"), is_resident=True, labour_skill__in=LABOUR_SKILLS)
    )


def _has_development_measure() -> Exists:
    # A failed measure developed nothing, so only planned and delivered ones count.
    return Exists(
        Measure.objects.filter(
            plan__household=OuterRef("pk"),
            plan__status=PlanStatus.ACTIVE,
            measure_type__kind=MeasureKind.DEVELOPMENT,
        ).exclude(delivery_status=DeliveryStatus.FAILED)
    )


def lacks_development_measure(*, household: Household) -> bool:
    """True when the household has labour but no development measure (产业 or 就业) in force: the plan page
    warns about it. One query."""
    return (
        Household.objects.filter(pk=household.pk)
        .filter(_has_labour())
        .exclude(_has_development_measure())
        .exists()
    )


def households_lacking_development_measure(*, actor) -> QuerySet[Household]:
    """Monitored households with labour and no development measure in force (DESIGN.md §2.5)."""
    return (
        households_visible_to(actor)
        .filter(status=MonitoringStatus.MONITORED)
        .filter(_has_labour())
        .exclude(_has_development_measure())
        .select_related("village", "helper")
        .order_by("village_id", "number")
    )


def households_without_helper(*, actor) -> QuerySet[Household]:
    """Monitored households nobody is responsible for yet: every one needs a helper (帮扶责任人)."""
    return (
        households_visible_to(actor)
        .filter(status=MonitoringStatus.MONITORED, helper__isnull=True)
        .select_related("village")
        .order_by("village_id", "number")
    )


def helper_candidates(*, household: Household) -> QuerySet:
    """Active staff whose jurisdiction covers the household (its village, township or county): only they can
    open its file and record its visits."""
    covering = []
    code: str | None = household.village_id
    while code is not None:
        covering.append(code)
        code = parent_code(code)
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            division_id__in=covering,
            role__in=[Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY],
        )
        .order_by("division_id", "username")
    )


def household_visits(*, household: Household, limit: int = 20) -> list[Visit]:
    return list(
        household.visits.select_related("visitor", "income_record").order_by("-visited_on", "-id")[:limit]
    )


@dataclass(frozen=True)
class FollowUp:
    household: Household
    level: str
    last_visit: dt.date | None
    due: dt.date | None  # None: never visited and no identification date, so due at once
    is_overdue: bool


def _limits() -> tuple[Limit, Limit]:
    return time_limit("follow_up_red"), time_limit("follow_up_other")


def _follow_up_queryset(*, actor, today: dt.date, red: Limit, other: Limit) -> QuerySet[Household]:
    """Monitored households annotated with level, last visit and overdue flag: one query for any number."""
    last_visit = (
        Visit.objects.filter(household=OuterRef("pk")).values("household").annotate(m=Max("visited_on"))
    )
    level = Plan.objects.filter(household=OuterRef("pk"), status=PlanStatus.ACTIVE).values("level")[:1]
    # A household never visited counts from the day it was identified.
    since = Coalesce(Subquery(last_visit.values("m")), "identified_on", output_field=DateField())
    red_cutoff, other_cutoff = overdue_cutoff(today, red), overdue_cutoff(today, other)
    return (
        households_visible_to(actor)
        .filter(status=MonitoringStatus.MONITORED)
        .annotate(
            follow_up_level=Coalesce(Subquery(level), Value(FollowUpLevel.YELLOW.value)),
            last_visit=Subquery(last_visit.values("m"), output_field=DateField()),
            since=since,
        )
        .annotate(
            is_overdue=Case(
                When(since__isnull=True, then=Value(True)),
                When(Q(follow_up_level=FollowUpLevel.RED, since__lte=red_cutoff), then=Value(True)),
                When(~Q(follow_up_level=FollowUpLevel.RED) & Q(since__lte=other_cutoff), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("village", "helper")
    )


def _rows(households, *, red: Limit, other: Limit) -> list[FollowUp]:
    return [
        FollowUp(
            household=h,
            level=h.follow_up_level,
            last_visit=h.last_visit,
            due=limit_end(h.since, red if h.follow_up_level == FollowUpLevel.RED else other)
            if h.since
            else None,
            is_overdue=h.is_overdue,
        )
        for h in households
    ]


def _by_due(f: FollowUp) -> tuple:
    # Never visited (no due date) comes first: it has been due since the household was identified.
    return (not f.is_overdue, f.due or dt.date.min, f.household.number)


def follow_ups_of_helper(*, actor, today: dt.date) -> list[FollowUp]:
    """The households `actor` is helper of, overdue first, then by due date. (Sorted here because the due
    date depends on each household's level; the rows come from one query.)"""
    red, other = _limits()
    qs = _follow_up_queryset(actor=actor, today=today, red=red, other=other).filter(helper=actor)
    return sorted(_rows(qs, red=red, other=other), key=_by_due)


def follow_ups_overdue(*, actor, today: dt.date) -> list[FollowUp]:
    """Every overdue follow-up in the actor's area, grouped by helper (households without one come last),
    the longest overdue first within each."""
    red, other = _limits()
    # (an annotation, which django-stubs cannot see)
    qs = _follow_up_queryset(actor=actor, today=today, red=red, other=other).filter(is_overdue=True)  # type: ignore[misc]
    rows = _rows(qs, red=red, other=other)
    return sorted(
        rows,
        key=lambda f: (
            f.household.helper is None,
            f.household.helper.username if f.household.helper else "",
            _by_due(f),
        ),
    )
