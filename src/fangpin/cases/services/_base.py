"""The machinery every case service shares: audited refusals, the workflow check, the step record."""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.audit.services import audit_record
from fangpin.cases import workflow
from fangpin.cases.deadlines import step_due
from fangpin.cases.messages import refusal_message
from fangpin.cases.models import Case, CaseStep, Decision
from fangpin.cases.rules import DeadlineState
from fangpin.cases.workflow import Kind, State, Step
from fangpin.core import clock
from fangpin.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from fangpin.registry.codes import MAX_RISKS, RiskType
from fangpin.registry.models import Household

T = TypeVar("T")


def audited_refusals(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run the service in one transaction; a refusal rolls it back, is audited outside it, and is re-raised
    in the user's language. (Audited inside, the refusal's event would roll back with everything else.)"""

    def decorate(service: Callable[..., T]) -> Callable[..., T]:
        @wraps(service)
        def wrapper(*, actor, **kwargs: Any) -> T:
            try:
                with transaction.atomic():
                    return service(actor=actor, **kwargs)
            except workflow.Refusal as e:
                error: Exception = TransitionNotAllowed(refusal_message(e))
                _audit_refusal(actor, action, kwargs, error)
                raise error from None
            except (NotFound, PermissionDenied, TransitionNotAllowed) as e:
                _audit_refusal(actor, action, kwargs, e)
                raise

        return wrapper

    return decorate


def _audit_refusal(actor, action: str, kwargs: dict[str, Any], error: Exception) -> None:
    target = kwargs.get("case_id") or kwargs.get("household_id") or kwargs.get("case_ids")
    object_type = "registry.household" if "household_id" in kwargs else "cases.case"
    audit_record(
        actor=actor,
        action=f"{action}.refused",
        object_type=object_type,
        object_id=str(target),
        data={"reason": getattr(error, "message", str(error)), "code": str(getattr(error, "code", ""))},
    )


def step_check(case: Case, step: Step, actor) -> State:
    return workflow.check(Kind(case.kind), State(case.state), step, actor.role)


def step_record(
    case: Case,
    *,
    actor,
    step: Step,
    target: State,
    note: str = "",
    data: dict[str, Any] | None = None,
    decision: str = Decision.DONE,
) -> CaseStep:
    """Move `case` to `target`, keep the step and its fields, refresh the deadline, audit it."""
    now = timezone.now()
    data = _plain(data or {})
    record = CaseStep.objects.create(
        case=case,
        step=step,
        decision=decision,
        from_state=case.state,
        to_state=target,
        actor=actor,
        acted_at=now,
        note=note,
        data=data or {},
    )
    case.state = target
    if not workflow.is_open(target) and case.closed_at is None:
        case.closed_at = now
    case.step_due_on = step_due(case)
    case.deadline_state = DeadlineState.ON_TIME if case.step_due_on is None else case.deadline_state
    case.save()
    audit_record(
        actor=actor,
        action=f"case.{step}",
        obj=case,
        data={"from": record.from_state, "to": target, "note": note, **(data or {})},
    )
    return record


def required_reason(text: str, field_name: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Give the reason."), field=field_name)
    return text


def risk_codes_clean(codes: Sequence[str], *, required: bool) -> list[str]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if required and not codes:
        raise ValidationError(_("Choose at least one risk type."), field="risk_codes")
    if len(codes) > MAX_RISKS:
        raise ValidationError(
            _("A household carries at most %(n)d risk types.") % {"n": MAX_RISKS}, field="risk_codes"
        )
    unknown = [c for c in codes if c not in RiskType.values]
    if unknown:
        raise ValidationError(
            _("Unknown risk type: %(codes)s.") % {"codes": ", ".join(unknown)}, field="risk_codes"
        )
    return codes


def not_future(day: dt.date, field_name: str) -> None:
    if day > clock.today():
        raise ValidationError(_("This date is in the future."), field=field_name)


def household_update(household: Household, **changes: Any) -> None:
    """The registry write of a decision: through the ORM so the household's history records it."""
    for name, value in changes.items():
        setattr(household, name, value)
    household.save(update_fields=[*changes, "updated_at"])


def as_json(data: Any) -> dict[str, Any]:
    """A step dataclass as JSON-ready fields (dates as ISO text, money as decimal text)."""
    return {k: _plain(v) for k, v in asdict(data).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value
