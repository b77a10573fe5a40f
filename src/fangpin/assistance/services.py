"""Writes of assistance: plans, measures, helpers and visits. Each takes the acting user, checks role and
jurisdiction, validates, writes in one transaction with its audit event; a refusal changes nothing and is audited."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import ParamSpec, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.assistance import selectors
from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel, PlanStatus, VisitSource
from fangpin.assistance.models import Measure, MeasureType, Plan, RiskSuggestion, Visit, VisitMeasure
from fangpin.audit.services import audit_record
from fangpin.core import clock
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.registry import selectors as registry_selectors
from fangpin.registry import services as registry_services
from fangpin.registry.codes import IncomeSource, MonitoringStatus
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import Household

P = ParamSpec("P")
T = TypeVar("T")

# Who does what (DESIGN.md §1). These belong beside can_edit_registry in accounts/roles.py (see the report).
_WORKS_ON_PLANS = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY})
_ASSIGNS_HELPERS = frozenset({Role.TOWNSHIP, Role.COUNTY})
_MAX_AMOUNT = Decimal("1e10")


def can_work_on_plans(role: Role) -> bool:
    return role in _WORKS_ON_PLANS


def can_assign_helpers(role: Role) -> bool:
    return role in _ASSIGNS_HELPERS


def _refusals_audited(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run the write in its own transaction; when it is refused (wrong role, outside the jurisdiction), the
    write is rolled back and the refusal is recorded after it, so the attempt is audited and nothing changed."""

    def decorate(service: Callable[P, T]) -> Callable[P, T]:
        @wraps(service)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except (NotFound, PermissionDenied) as e:
                target = {k: v for k, v in kwargs.items() if k.endswith("_id")}
                audit_record(
                    actor=kwargs["actor"],
                    action=f"{action}.refused",
                    data={**target, "reason": e.code.value, "message": e.message},
                )
                raise

        return wrapper

    return decorate


def _require(actor, allowed: Callable[[Role], bool], message: str) -> None:
    if not allowed(Role(actor.role)):
        raise PermissionDenied(message)


def _require_planner(actor) -> None:
    _require(actor, can_work_on_plans, _("Your role cannot change assistance plans or record visits."))


def _household_for_update(*, actor, household_id: int) -> Household:
    """The household inside the actor's area, locked while its plan changes; NotFound outside it."""
    try:
        return registry_selectors.households_visible_to(actor).select_for_update().get(pk=household_id)
    except Household.DoesNotExist:
        raise NotFound(_("No such household.")) from None


def _active_plan(household: Household) -> Plan:
    plan = household.plans.filter(status=PlanStatus.ACTIVE).first()
    if plan is None:
        raise ValidationError(_("This household has no assistance plan yet. Create the plan first."))
    return plan


# ---- plans ------------------------------------------------------------------------------------------------


@_refusals_audited("assistance.plan.create")
def plan_create(*, actor, household_id: int, level: str = FollowUpLevel.YELLOW) -> Plan:
    """Open the assistance plan (帮扶计划) of a monitored household."""
    _require_planner(actor)
    household = _household_for_update(actor=actor, household_id=household_id)
    if household.status != MonitoringStatus.MONITORED:
        raise ValidationError(_("Only a monitored household gets an assistance plan."))
    if level not in FollowUpLevel.values:
        raise ValidationError(_("Choose red, orange or yellow."), field="level")
    if household.plans.filter(status=PlanStatus.ACTIVE).exists():
        raise ValidationError(_("This household already has an assistance plan."))
    plan = Plan.objects.create(household=household, level=level, created_by=actor)
    audit_record(
        actor=actor,
        action="assistance.plan.create",
        obj=plan,
        data={"household": household.number, "level": level},
    )
    return plan


# ---- measures ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureData:
    risk_code: str
    measure_type: str  # a MeasureType code
    provider: str
    start_date: dt.date
    amount: Decimal = Decimal(0)
    end_date: dt.date | None = None


@dataclass(frozen=True)
class Delivery:
    status: str = DeliveryStatus.PLANNED
    on: dt.date | None = None
    note: str = ""


def _checked_measure_fields(household: Household, data: MeasureData) -> dict:
    if data.risk_code not in (household.risk_codes or []):
        raise ValidationError(
            _("This household has no risk of type %(code)s; tie the measure to one of its risk types.")
            % {"code": data.risk_code},
            field="risk_code",
        )
    measure_type = MeasureType.objects.filter(code=data.measure_type, is_active=True).first()
    if measure_type is None:
        raise ValidationError(_("Choose a measure type from the catalogue."), field="measure_type")
    provider = data.provider.strip()
    if not provider:
        raise ValidationError(
            _("Say who provides the measure (a department, an enterprise…)."), field="provider"
        )
    if data.amount < 0:
        raise ValidationError(_("An amount cannot be negative."), field="amount")
    if data.amount >= _MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."), field="amount")
    if data.end_date is not None and data.end_date < data.start_date:
        raise ValidationError(_("The measure cannot end before it starts."), field="end_date")
    return {
        "risk_code": data.risk_code,
        "measure_type": measure_type,
        "provider": provider,
        "amount": data.amount,
        "start_date": data.start_date,
        "end_date": data.end_date,
    }


def _checked_delivery(delivery: Delivery) -> dict:
    if delivery.status not in DeliveryStatus.values:
        raise ValidationError(_("Choose planned, delivered or failed."), field="delivery_status")
    if delivery.status == DeliveryStatus.PLANNED:
        return {
            "delivery_status": delivery.status,
            "delivered_on": None,
            "delivery_note": delivery.note.strip(),
        }
    if delivery.on is None:
        raise ValidationError(_("Give the date the measure was delivered or failed."), field="delivered_on")
    if delivery.on > clock.today():
        raise ValidationError(_("The date is in the future."), field="delivered_on")
    if delivery.status == DeliveryStatus.FAILED and not delivery.note.strip():
        raise ValidationError(_("Say why the measure failed."), field="delivery_note")
    return {
        "delivery_status": delivery.status,
        "delivered_on": delivery.on,
        "delivery_note": delivery.note.strip(),
    }


def _measure_audit_data(measure: Measure) -> dict:
    return {
        "household": measure.plan.household.number,
        "risk_code": measure.risk_code,
        "measure_type": measure.measure_type.code,
        "provider": measure.provider,
        "amount": str(measure.amount),
        "start_date": measure.start_date.isoformat(),
        "end_date": measure.end_date.isoformat() if measure.end_date else None,
        "delivery_status": measure.delivery_status,
    }


@_refusals_audited("assistance.measure.add")
def measure_add(*, actor, household_id: int, data: MeasureData) -> Measure:
    """Add a measure to the household's plan, tied to one of its risk types."""
    _require_planner(actor)
    household = _household_for_update(actor=actor, household_id=household_id)
    plan = _active_plan(household)
    measure = Measure.objects.create(plan=plan, created_by=actor, **_checked_measure_fields(household, data))
    audit_record(actor=actor, action="assistance.measure.add", obj=measure, data=_measure_audit_data(measure))
    return measure


@_refusals_audited("assistance.measure.update")
def measure_update(*, actor, measure_id: int, data: MeasureData, delivery: Delivery) -> Measure:
    """Correct a measure or record its delivery (delivered or failed, with the date; a failure with its reason)."""
    _require_planner(actor)
    measure = selectors.measure_get(actor=actor, measure_id=measure_id)
    household = _household_for_update(actor=actor, household_id=measure.plan.household_id)
    if measure.plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("This plan is closed; its measures can no longer change."))
    fields = {**_checked_measure_fields(household, data), **_checked_delivery(delivery)}
    before = _measure_audit_data(measure)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.save(update_fields=[*fields, "updated_at"])
    after = _measure_audit_data(measure)
    audit_record(
        actor=actor,
        action="assistance.measure.update",
        obj=measure,
        data={"changed": {k: [before[k], after[k]] for k in after if before[k] != after[k]}},
    )
    return measure


# ---- helpers ----------------------------------------------------------------------------------------------


@_refusals_audited("assistance.helper.assign")
def helper_assign(*, actor, household_id: int, helper_id: int) -> Household:
    """Make `helper_id` the household's helper (帮扶责任人). Township officers (and the county) assign, and the
    helper has to be staff whose own area covers the household, or they could not open it."""
    _require(actor, can_assign_helpers, _("Only township officers and the county bureau assign helpers."))
    household = _household_for_update(actor=actor, household_id=household_id)
    if household.status != MonitoringStatus.MONITORED:
        raise ValidationError(_("Helpers are assigned to monitored households."))
    helper = selectors.helper_candidates(household=household).filter(pk=helper_id).first()
    if helper is None:
        exists = get_user_model().objects.filter(pk=helper_id).exists()
        raise ValidationError(
            _("This person's area does not cover the household, so they cannot be its helper.")
            if exists
            else _("Choose a helper from the list."),
            field="helper",
        )
    previous = household.helper.username if household.helper else None
    household.helper = helper
    household.save(update_fields=["helper", "updated_at"])
    audit_record(
        actor=actor,
        action="assistance.helper.assign",
        obj=household,
        data={"household": household.number, "helper": helper.username, "previous": previous},
    )
    return household


# ---- visits -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeUpdate:
    """The month's income as the visit found it; recorded as the registry's survey record for that month."""

    components: IncomeComponents
    medical_self_paid: Decimal = Decimal(0)
    schooling_self_paid: Decimal = Decimal(0)
    claims_income: Decimal = Decimal(0)


@dataclass(frozen=True)
class MeasureReport:
    measure_id: int
    status: str
    note: str = ""


@dataclass(frozen=True)
class VisitData:
    visited_on: dt.date
    findings: str = ""
    income: IncomeUpdate | None = None
    measures: tuple[MeasureReport, ...] = field(default_factory=tuple)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    source: str = VisitSource.WEB
    instance_id: str = ""
    submitted_by: str = ""


def _check_gps(data: VisitData) -> None:
    if (data.latitude is None) != (data.longitude is None):
        raise ValidationError(_("Give both latitude and longitude, or neither."), field="latitude")
    if data.latitude is not None and not Decimal(-90) <= data.latitude <= Decimal(90):
        raise ValidationError(_("A latitude lies between -90 and 90."), field="latitude")
    if data.longitude is not None and not Decimal(-180) <= data.longitude <= Decimal(180):
        raise ValidationError(_("A longitude lies between -180 and 180."), field="longitude")


def _record_deliveries(visit: Visit, household: Household, reports: tuple[MeasureReport, ...]) -> list[dict]:
    """Each measure's delivery status as the visit found it."""
    if not reports:
        return []
    ids = [r.measure_id for r in reports]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A measure is reported twice."), field="measures")
    measures = {
        m.pk: m
        for m in Measure.objects.filter(
            pk__in=ids, plan__household=household, plan__status=PlanStatus.ACTIVE
        ).select_related("measure_type")
    }
    result = []
    for report in reports:
        measure = measures.get(report.measure_id)
        if measure is None:
            raise ValidationError(
                _("Measure %(id)s is not in this household's plan.") % {"id": report.measure_id},
                field="measures",
            )
        if report.status not in DeliveryStatus.values:
            raise ValidationError(_("Choose planned, delivered or failed."), field="measures")
        # A status the measure already has is only noted; a new one changes the measure, dated by the visit.
        if report.status != measure.delivery_status:
            delivery = _checked_delivery(
                Delivery(status=report.status, on=visit.visited_on, note=report.note)
            )
            for name, value in delivery.items():
                setattr(measure, name, value)
            measure.save(update_fields=[*delivery, "updated_at"])
        VisitMeasure.objects.create(
            visit=visit, measure=measure, status=report.status, note=report.note.strip()
        )
        result.append({"measure": measure.pk, "status": report.status})
    return result


@_refusals_audited("assistance.visit.record")
def visit_record(*, actor, household_id: int, data: VisitData) -> Visit:
    """Record a follow-up visit: findings, the month's income (as a survey income record) and each measure's
    delivery as found."""
    _require_planner(actor)
    household = _household_for_update(actor=actor, household_id=household_id)
    if household.status not in (MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED):
        raise ValidationError(
            _("Follow-up visits are for monitored households and those whose risk was eliminated.")
        )
    if data.visited_on > clock.today():
        raise ValidationError(_("The visit date is in the future."), field="visited_on")
    _check_gps(data)
    income_record = None
    if data.income is not None:
        income_record = registry_services.income_record(
            actor=actor,
            household_id=household.pk,
            data=registry_services.IncomeData(
                period=data.visited_on.replace(day=1),
                source=IncomeSource.SURVEY,
                components=data.income.components,
                medical_self_paid=data.income.medical_self_paid,
                schooling_self_paid=data.income.schooling_self_paid,
                claims_income=data.income.claims_income,
            ),
        )
    visit = Visit.objects.create(
        household=household,
        visitor=actor,
        visited_on=data.visited_on,
        findings=data.findings.strip(),
        income_record=income_record,
        latitude=data.latitude,
        longitude=data.longitude,
        source=data.source,
        instance_id=data.instance_id,
        submitted_by=data.submitted_by,
    )
    deliveries = _record_deliveries(visit, household, data.measures)
    audit_record(
        actor=actor,
        action="assistance.visit.record",
        obj=visit,
        data={
            "household": household.number,
            "visited_on": data.visited_on.isoformat(),
            "income_record": income_record.pk if income_record else None,
            "measures": deliveries,
            "source": data.source,
            "instance_id": data.instance_id,
        },
    )
    return visit


# ---- the plan page: an audited read -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanPage:
    household: Household
    plan: Plan | None
    measures: list[Measure]
    suggestions: list[tuple[RiskSuggestion, list[str]]]  # each with the household's risk codes it answers
    lacks_development_measure: bool
    visits: list[Visit]


def household_open(*, actor, household_id: int) -> Household:
    """The household for an assistance page; a look outside the actor's area is audited, then NotFound."""
    try:
        return registry_selectors.household_get(actor=actor, household_id=household_id)
    except NotFound:
        audit_record(
            actor=actor,
            action="assistance.household.denied",
            object_type="registry.household",
            object_id=str(household_id),
        )
        raise


def measure_open(*, actor, measure_id: int) -> Measure:
    """The measure for its edit page; a look outside the actor's area is audited, then NotFound."""
    try:
        return selectors.measure_get(actor=actor, measure_id=measure_id)
    except NotFound:
        audit_record(
            actor=actor,
            action="assistance.measure.denied",
            object_type="assistance.measure",
            object_id=str(measure_id),
        )
        raise


def plan_page_open(*, actor, household_id: int) -> PlanPage:
    """Everything the plan page shows. A household file is personal data, so opening it is audited, and so is
    a refused look (outside the actor's area)."""
    household = household_open(actor=actor, household_id=household_id)
    plan = selectors.household_plan(household=household)
    risk_codes = list(household.risk_codes or [])
    suggestions = [
        (s, selectors.suggestion_applies(s, risk_codes))
        for s in selectors.suggestions_for(risk_codes=risk_codes)
    ]
    audit_record(actor=actor, action="assistance.plan.view", obj=household)
    return PlanPage(
        household=household,
        plan=plan,
        measures=selectors.plan_measures(plan=plan) if plan else [],
        suggestions=suggestions,
        lacks_development_measure=selectors.lacks_development_measure(household=household),
        visits=selectors.household_visits(household=household),
    )
