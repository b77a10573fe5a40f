"""Writes to the alert queue: raising from every channel, assigning a cadre, recording the visit's outcome.

Each takes the acting user, checks role, jurisdiction and state, writes in one transaction with one audit event.
The screening run's bulk refresh lives in `refresh.py`, the public self-report in `self_reports.py`.
"""

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangpin.accounts.roles import Role
from fangpin.alerts import selectors
from fangpin.alerts.checks import check_level, check_risk_code, higher_level
from fangpin.alerts.evidence import RuleEvidence, explain_lines, feed_batches, rule_lines, rule_sets_of
from fangpin.alerts.models import OPEN_STATUSES, Alert, AlertSource, AlertStatus

# The screening run's entry point lives in refresh.py; it is offered here with the other writes.
from fangpin.alerts.refresh import HIT_SCHEMA as HIT_SCHEMA
from fangpin.alerts.refresh import RefreshResult as RefreshResult
from fangpin.alerts.refresh import alerts_refresh_from_screening as alerts_refresh_from_screening
from fangpin.audit.services import audit_record
from fangpin.cases.models import Case
from fangpin.cases.selectors import case_open_for_household, cases_visible_to
from fangpin.cases.services import case_open_identification
from fangpin.core import clock
from fangpin.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from fangpin.divisions.codes import code_range
from fangpin.divisions.jurisdiction import Scope, scope_for
from fangpin.monitoring.selectors import due_date
from fangpin.registry.codes import MonitoringStatus
from fangpin.registry.models import Household
from fangpin.screening.rules.templates import format_value
from fangpin.web.notify import notify_alert_assigned

# Who works the queue (these sets belong in accounts/roles.py beside can_edit_registry; see the report).
_WORKS_ALERTS = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY})
# Who may raise an alert by hand, per channel: cadres report what a visit found, departments push events
# (a death reported by 公安), the county loads model scores. Rule alerts come only from screening runs.
_RAISES = {
    AlertSource.VISIT: frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY}),
    AlertSource.FEED: frozenset({Role.DEPARTMENT, Role.COUNTY}),
    AlertSource.MODEL: frozenset({Role.COUNTY}),
}
_TEXT_MAX = 2000
_EVIDENCE_MAX_CHARS = 20_000


def can_work_alerts(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and Role(actor.role) in _WORKS_ALERTS


def _check_evidence(evidence: Any) -> dict[str, Any]:
    if not isinstance(evidence, dict):
        raise ValidationError(_("The evidence must be a JSON object."), field="evidence")
    try:
        text = json.dumps(evidence, ensure_ascii=False)
    except (TypeError, ValueError):
        raise ValidationError(_("The evidence must be plain JSON data."), field="evidence") from None
    if len(text) > _EVIDENCE_MAX_CHARS:
        raise ValidationError(_("The evidence is too long."), field="evidence")
    return json.loads(text)


def _raise_scope(actor) -> Scope:
    # Department officers browse no household files, but their pushes concern any household of their county.
    if Role(actor.role) == Role.DEPARTMENT and actor.division_id:
        return Scope(*code_range(actor.division_id))
    return scope_for(actor)


def alert_raise(
    *, actor, household_id: int, risk_code: str, level: str, source: str, evidence: dict[str, Any]
) -> Alert:
    """Put a household on the queue from a cadre's visit, a department's push event or the risk model.

    When the household already has an open alert of this risk type, that alert takes the new evidence (under
    "added") and the higher level instead: one open alert per household and risk, whatever the channel.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to raise an alert."))
    if source == AlertSource.RULE or source == AlertSource.SELF_REPORT:
        raise ValidationError(
            _("Rule alerts come from screening runs and self-reports from the public page."), field="source"
        )
    if source not in _RAISES:
        raise ValidationError(_("Unknown alert source %(source)s.") % {"source": source}, field="source")
    if Role(actor.role) not in _RAISES[AlertSource(source)]:
        raise PermissionDenied(_("Your role cannot raise this kind of alert."))
    check_risk_code(risk_code)
    check_level(level)
    evidence = _check_evidence(evidence)
    with transaction.atomic():
        households = _raise_scope(actor).filter(Household.objects.all(), field="village_id")
        household = households.filter(pk=household_id).first()
        if household is None:
            raise NotFound(_("No such household."))
        alert, _created = raise_or_reinforce(
            actor=actor,
            village_id=household.village_id,
            household_id=household.pk,
            risk_code=risk_code,
            level=level,
            source=source,
            evidence=evidence,
            limit_key="alert_first_visit",
        )
    return alert


def raise_or_reinforce(
    *,
    actor,
    village_id: str,
    household_id: int | None,
    risk_code: str,
    level: str,
    source: str,
    evidence: dict[str, Any],
    limit_key: str,
) -> tuple[Alert, bool]:
    """Create an open alert, or add to the household's open one of the same risk type. Inside a transaction."""
    now = timezone.now()
    if household_id is not None:
        existing = _open_alert_for_update(household_id, risk_code)
        if existing is None:
            alert = Alert(
                village_id=village_id,
                household_id=household_id,
                risk_code=risk_code,
                level=level,
                source=source,
                evidence=evidence,
                raised_at=now,
                first_visit_due=due_date(start=clock.today(), limit_key=limit_key),
            )
            try:
                with transaction.atomic():  # a savepoint: a concurrent raise of the same pair may win
                    alert.save()
            except IntegrityError:
                existing = _open_alert_for_update(household_id, risk_code)
                if existing is None:
                    raise
            else:
                audit_record(actor=actor, action="alert.raise", obj=alert, data=_summary(alert))
                return alert, True
        return _reinforce(actor=actor, alert=existing, level=level, source=source, evidence=evidence), False
    alert = Alert.objects.create(
        village_id=village_id,
        household_id=None,
        risk_code=risk_code,
        level=level,
        source=source,
        evidence=evidence,
        raised_at=now,
        first_visit_due=due_date(start=clock.today(), limit_key=limit_key),
    )
    audit_record(actor=actor, action="alert.raise", obj=alert, data=_summary(alert))
    return alert, True


def _open_alert_for_update(household_id: int, risk_code: str) -> Alert | None:
    return (
        Alert.objects.select_for_update()
        .filter(household_id=household_id, risk_code=risk_code, status__in=OPEN_STATUSES)
        .first()
    )


def _reinforce(*, actor, alert: Alert, level: str, source: str, evidence: dict[str, Any]) -> Alert:
    now = timezone.now()
    added = list(alert.evidence.get("added") or [])
    added.append({"source": source, "at": now.isoformat(), "evidence": evidence})
    alert.evidence = {**alert.evidence, "added": added}
    alert.level = higher_level(alert.level, level)
    alert.refreshed_at = now
    alert.save(update_fields=["evidence", "level", "refreshed_at"])
    audit_record(
        actor=actor, action="alert.reinforce", obj=alert, data={"source": source, "level": alert.level}
    )
    return alert


def _summary(alert: Alert) -> dict[str, Any]:
    return {
        "village": alert.village_id,
        "household": alert.household_id,
        "risk_code": alert.risk_code,
        "level": alert.level,
        "source": alert.source,
        "first_visit_due": alert.first_visit_due.isoformat(),
    }


def _alert_for_work(actor, alert_id: int) -> Alert:
    if not can_work_alerts(actor):
        raise PermissionDenied(_("Your role does not work on alerts."))
    alert = selectors.alert_get(actor, alert_id, for_update=True)
    if not alert.is_open:
        raise TransitionNotAllowed(
            _("This alert is already %(status)s; it cannot be changed.")
            % {"status": alert.get_status_display()}
        )
    return alert


@transaction.atomic
def alert_assign(*, actor, alert_id: int, assignee_id: int) -> Alert:
    """Give an alert to a cadre of its village or an officer of its township for the first visit."""
    alert = _alert_for_work(actor, alert_id)
    assignee = selectors.assignable_users(actor=actor, alert=alert).filter(pk=assignee_id).first()
    if assignee is None:
        raise ValidationError(
            _("Choose a cadre of the alert's village or an officer of its township."), field="assignee"
        )
    alert.assigned_to = assignee
    alert.assigned_at = timezone.now()
    alert.status = AlertStatus.ASSIGNED
    alert.save(update_fields=["assigned_to", "assigned_at", "status"])
    audit_record(
        actor=actor, action="alert.assign", obj=alert, data={"to": assignee.pk, "username": assignee.username}
    )
    transaction.on_commit(lambda: notify_alert_assigned(alert))  # mail only once the assignment has committed
    return alert


def _check_visit(alert: Alert, *, text: str, visited_on: dt.date, field: str, missing: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(missing, field=field)
    if len(text) > _TEXT_MAX:
        raise ValidationError(_("Keep it under %(n)d characters.") % {"n": _TEXT_MAX}, field=field)
    if visited_on > clock.today():
        # In context: the alert's visit is the first one (走访); assistance says the same of a follow-up (回访).
        raise ValidationError(pgettext("alert", "The visit date is in the future."), field="visited_on")
    if visited_on < timezone.localtime(alert.raised_at).date():
        raise ValidationError(_("The visit date is before the alert was raised."), field="visited_on")
    return text


def _close(*, actor, alert: Alert, status: str, visited_on: dt.date) -> None:
    alert.status = status
    alert.visited_on = visited_on
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.save(
        update_fields=["status", "visited_on", "outcome_note", "dismiss_reason", "closed_at", "closed_by"]
    )


@transaction.atomic
def alert_confirm(*, actor, alert_id: int, note: str, visited_on: dt.date) -> Alert:
    """The visit found the risk real: the alert is confirmed and goes on to identification (识别认定)."""
    alert = _alert_for_work(actor, alert_id)
    alert.outcome_note = _check_visit(
        alert, text=note, visited_on=visited_on, field="note", missing=_("Write what the visit found.")
    )
    _close(actor=actor, alert=alert, status=AlertStatus.CONFIRMED, visited_on=visited_on)
    audit_record(actor=actor, action="alert.confirm", obj=alert, data={"visited_on": visited_on.isoformat()})
    alert_confirmed_hook(actor=actor, alert=alert)
    return alert


@transaction.atomic
def alert_dismiss(*, actor, alert_id: int, reason: str, visited_on: dt.date) -> Alert:
    """The visit found no risk that needs monitoring: the alert is closed with the reason."""
    alert = _alert_for_work(actor, alert_id)
    alert.dismiss_reason = _check_visit(
        alert,
        text=reason,
        visited_on=visited_on,
        field="reason",
        missing=_("Give the reason for dismissing the alert."),
    )
    _close(actor=actor, alert=alert, status=AlertStatus.DISMISSED, visited_on=visited_on)
    audit_record(actor=actor, action="alert.dismiss", obj=alert, data={"visited_on": visited_on.isoformat()})
    return alert


def alert_confirmed_hook(*, actor, alert: Alert) -> None:
    """A confirmed alert opens an identification case (识别认定), in the confirmation's transaction.

    Only where identification applies: a household in the registry, not monitored already (a monitored
    household's new risk is a matter for its assistance plan), with no case open. A self-report from someone
    not yet in the registry is confirmed, and the cadre registers the household before its case can open.
    """
    if alert.household_id is None:
        return
    household = Household.objects.only("status").get(pk=alert.household_id)
    if household.status not in (MonitoringStatus.NORMAL, MonitoringStatus.ELIMINATED):
        return
    if case_open_for_household(household_id=alert.household_id) is not None:
        return
    case_open_identification(
        actor=actor,
        household_id=alert.household_id,
        risk_codes=[alert.risk_code],
        started_on=timezone.localtime(alert.raised_at).date(),
        alert_id=alert.pk,
    )


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    lines: list[str]  # the evidence in plain words of the page language
    is_overdue: bool


@dataclass(frozen=True)
class AlertPage:
    page: Page
    rows: list[AlertRow]


def alert_queue(
    *, actor, filters: selectors.AlertFilter, page: str | int | None, page_size: int
) -> AlertPage:
    """One page of the queue. It names households and reporters, so looking at it is audited."""
    result = Paginator(selectors.alert_list(actor=actor, filters=filters), page_size).get_page(page)
    today = clock.today()
    rule_sets = rule_sets_of(alert.evidence for alert in result.object_list)
    rows = [
        AlertRow(
            alert=alert,
            lines=explain_lines(alert.evidence, rule_sets=rule_sets),
            is_overdue=selectors.alert_is_overdue(alert, today=today),
        )
        for alert in result.object_list
    ]
    audit_record(
        actor=actor,
        action="alert.list",
        object_type="alerts.alert",
        data={**asdict(filters), "page": result.number, "shown": len(rows)},
    )
    return AlertPage(page=result, rows=rows)


@dataclass(frozen=True)
class AlertFile:
    """Everything the alert page shows, gathered in one audited read."""

    alert: Alert
    rules: list[RuleEvidence]
    lines: list[str]
    batches: dict[str, list[int]]  # by the source's department and name
    line: str  # the monitoring line the run used, "6,000"; "" when none
    self_reports: list
    history: list
    is_overdue: bool
    can_work: bool
    case: Case | None  # the identification case the confirmation opened, if the actor may see it


def _labelled_batches(batches: dict[str, list[int]]) -> dict[str, list[int]]:
    labels = selectors.feed_source_labels(batches)
    return {labels.get(source, source): ids for source, ids in batches.items()}


def alert_open(*, actor, alert_id: int) -> AlertFile:
    """Open an alert. A look outside the actor's area is refused as "not found", and audited."""
    alert = alert_look(actor=actor, alert_id=alert_id)
    audit_record(actor=actor, action="alert.view", obj=alert)
    rule_sets = rule_sets_of([alert.evidence])
    return AlertFile(
        alert=alert,
        rules=rule_lines(alert.evidence, rule_sets=rule_sets),
        lines=explain_lines(alert.evidence, rule_sets=rule_sets),
        batches=_labelled_batches(feed_batches(alert.evidence)),
        line=format_value(alert.evidence.get("line"), "yuan") if alert.evidence.get("line") else "",
        self_reports=selectors.alert_self_reports(alert=alert),
        history=selectors.alert_audit_events(alert=alert),
        is_overdue=selectors.alert_is_overdue(alert),
        can_work=can_work_alerts(actor) and alert.is_open,
        case=_case_opened_from(actor=actor, alert=alert),
    )


def _case_opened_from(*, actor, alert: Alert) -> Case | None:
    """The case this alert's confirmation opened, through the cases' own jurisdiction filter: the alert page
    links on to identification only where the actor may follow the link."""
    if alert.status != AlertStatus.CONFIRMED:
        return None  # only a confirmation opens a case; an open or dismissed alert costs no query
    return cases_visible_to(actor).filter(alert_id=alert.pk).order_by("-opened_at").first()


def alert_look(*, actor, alert_id: int) -> Alert:
    """The alert if the actor may see it. A refused look is audited here, outside any write's transaction
    (which would roll the audit row back with it), then raised as NotFound."""
    try:
        return selectors.alert_get(actor, alert_id)
    except NotFound:
        audit_record(actor=actor, action="alert.denied", object_type="alerts.alert", object_id=str(alert_id))
        raise
