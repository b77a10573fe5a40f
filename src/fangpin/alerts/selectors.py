"""Reads of the alert queue. Every one starts from `alerts_visible_to`, so "not found" and "not yours" are the
same answer; the public status look-up of a self-report is the one read without a log-in."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from fangpin.accounts.models import User
from fangpin.accounts.roles import Role
from fangpin.alerts.models import LEVEL_RANK, OPEN_STATUSES, Alert, AlertStatus, SelfReport
from fangpin.audit.models import AuditEvent
from fangpin.core import clock
from fangpin.core.errors import NotFound
from fangpin.divisions.codes import InvalidDivisionCode, code_range, parent_code
from fangpin.divisions.jurisdiction import scope_for


def alerts_visible_to(actor) -> QuerySet[Alert]:
    return scope_for(actor).filter(Alert.objects.all(), field="village_id")


def alert_get(actor, alert_id: int, *, for_update: bool = False) -> Alert:
    qs = alerts_visible_to(actor)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("village__parent", "household", "assigned_to", "closed_by", "run").get(
            pk=alert_id
        )
    except Alert.DoesNotExist:
        raise NotFound("No such alert.") from None


# Status filter values beyond the four states: "active" (the default: waiting for a visit) and "all".
ACTIVE = "active"
ALL = "all"


@dataclass(frozen=True)
class AlertFilter:
    status: str = ACTIVE
    level: str = ""
    risk_code: str = ""
    township_code: str = ""
    village_code: str = ""


def _level_rank() -> Case:
    return Case(
        *[When(level=level, then=Value(rank)) for level, rank in LEVEL_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def alert_list(*, actor, filters: AlertFilter) -> QuerySet[Alert]:
    """The queue: scoped and filtered, red first, then the oldest first (the longest waiting)."""
    qs = alerts_visible_to(actor)
    if filters.status == ACTIVE:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status in AlertStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.risk_code:
        # A parent code (02 natural disaster) takes in its sub-codes (0201 flood …).
        qs = qs.filter(risk_code__startswith=filters.risk_code)
    if filters.village_code:
        qs = qs.filter(village_id=filters.village_code)
    elif filters.township_code:
        try:
            low, high = code_range(filters.township_code)
        except InvalidDivisionCode:
            return qs.none()
        qs = qs.filter(village_id__gte=low, village_id__lte=high)  # a range on the indexed column, no join
    return (
        qs.select_related("village__parent", "household", "assigned_to")
        .prefetch_related("self_reports")  # the reporter's name on an alert without a household
        .annotate(level_rank=_level_rank())
        .order_by("-level_rank", "raised_at", "id")
    )


def alert_is_overdue(alert: Alert, *, today: dt.date | None = None) -> bool:
    return alert.is_open and alert.visited_on is None and alert.first_visit_due < (today or clock.today())


# Who may be given an alert to visit: the cadres of its village and the officers of its township.
_ASSIGNABLE_ROLES = (Role.VILLAGE, Role.TOWNSHIP)


def assignable_users(*, actor, alert: Alert) -> QuerySet[User]:
    """Active village cadres of the alert's village and officers of its township, within the actor's scope."""
    divisions = [alert.village_id, parent_code(alert.village_id)]
    users = User.objects.filter(is_active=True, role__in=_ASSIGNABLE_ROLES, division_id__in=divisions)
    return scope_for(actor).filter(users, field="division_id").order_by("role", "last_name", "username")


def alert_audit_events(*, alert: Alert, limit: int = 50) -> list[AuditEvent]:
    """The alert's audited history, newest first: raised, assigned, confirmed or dismissed, looked at."""
    return list(
        AuditEvent.objects.filter(object_type="alerts.alert", object_id=str(alert.pk)).order_by("-id")[:limit]
    )


def alert_self_reports(*, alert: Alert) -> list[SelfReport]:
    return list(alert.self_reports.order_by("submitted_at"))


@dataclass(frozen=True)
class SelfReportStatus:
    reference: str
    submitted_at: dt.datetime
    village_name: str
    status: str  # an AlertStatus value


def self_report_find(*, reference: str, phone_hash: str) -> SelfReportStatus | None:
    """The state of one self-report, only when the number and the phone agree; nothing else of the household."""
    report = (
        SelfReport.objects.filter(Q(reference=reference) & Q(phone_hash=phone_hash))
        .select_related("alert", "village")
        .first()
    )
    if report is None:
        return None
    return SelfReportStatus(
        reference=report.reference,
        submitted_at=report.submitted_at,
        village_name=report.village.name,
        status=report.alert.status,
    )


def feed_source_labels(sources) -> dict[str, str]:
    """{source: "卫健/医保 · 住院及医疗费用结算"} of the feed sources named, from their schema in use."""
    from fangpin.feeds.models import FeedSchema  # feeds push alerts: import its models only when read

    schemas = FeedSchema.objects.filter(source__in=list(sources), is_active=True)
    return {s.source: " · ".join(p for p in (s.definition.get("department"), s.name) if p) for s in schemas}
