"""The inbox (待办): what waits for one user today, composed from the alerts, cases, assistance and feeds
selectors into typed sections, most urgent first, in a fixed number of queries whatever the data size."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from fangpin.accounts.roles import Role, can_resolve_matches, can_see_households
from fangpin.alerts.models import OPEN_STATUSES, Alert
from fangpin.alerts.selectors import alert_is_overdue, alerts_visible_to
from fangpin.assistance.selectors import FollowUp, follow_ups_of_helper, follow_ups_overdue
from fangpin.cases.deadlines import case_deadline, next_working_day
from fangpin.cases.models import STATE_LABELS
from fangpin.cases.rules import DeadlineState, deadline_state
from fangpin.cases.selectors import case_queue
from fangpin.cases.workflow import Kind, State, waiting_role
from fangpin.feeds.selectors import ambiguous_rows_visible_to
from fangpin.registry.codes import RiskType
from fangpin.web.display import person_name

# Configuration with defaults (settings.FANGPIN_INBOX overrides any key).
DEFAULTS = {
    "items_per_section": 5,  # the rest is one click away, on the section's own page
    "follow_up_horizon_days": 7,  # my follow-ups due within this many days are listed, not only overdue ones
}


def inbox_setting(key: str) -> int:
    return {**DEFAULTS, **getattr(settings, "FANGPIN_INBOX", {})}[key]


class SectionKey:
    MY_ALERTS = "my_alerts"
    AREA_ALERTS = "area_alerts"
    CASES = "cases"
    MY_FOLLOW_UPS = "my_follow_ups"
    HELPERS_OVERDUE = "helpers_overdue"
    MATCHES = "matches"


TITLES = {
    SectionKey.MY_ALERTS: _("Alerts assigned to me"),
    SectionKey.AREA_ALERTS: _("Alerts in my area without a visitor or overdue"),
    SectionKey.CASES: _("Cases waiting for my step"),
    SectionKey.MY_FOLLOW_UPS: _("My follow-up visits due"),
    SectionKey.HELPERS_OVERDUE: _("Overdue follow-ups per helper"),
    SectionKey.MATCHES: _("Department data matches to check"),
}

# The page listing the whole of each section.
MORE_URLS = {
    SectionKey.MY_ALERTS: "alert-list",
    SectionKey.AREA_ALERTS: "alert-list",
    SectionKey.CASES: "case-queue",
    SectionKey.MY_FOLLOW_UPS: "assistance-my-follow-ups",
    SectionKey.HELPERS_OVERDUE: "assistance-overdue",
    SectionKey.MATCHES: "feeds-queue",
}

# Texts stay lazy, so one inbox renders in any language (the e-mail shows Chinese with English below).
Text = str | Promise


@dataclass(frozen=True)
class InboxItem:
    label: Text  # what it is about: a household number, a helper's name, a file
    place: str  # the village (or the batch) it belongs to
    detail: Text  # what it waits for
    due: dt.date | None
    deadline: DeadlineState  # red: overdue, orange: due today or the next working day
    url_name: str
    url_pk: int | None = None

    @property
    def is_overdue(self) -> bool:
        return self.deadline == DeadlineState.RED


@dataclass(frozen=True)
class InboxSection:
    key: str
    count: int  # all of them, not only the items shown
    overdue: int
    items: tuple[InboxItem, ...]

    @property
    def title(self) -> Text:
        return TITLES[self.key]

    @property
    def more_url_name(self) -> str:
        return MORE_URLS[self.key]

    @property
    def urgent_items(self) -> tuple[InboxItem, ...]:
        """Overdue or due by the next working day: what the daily e-mail lists."""
        return tuple(i for i in self.items if i.deadline != DeadlineState.ON_TIME)


@dataclass(frozen=True)
class Inbox:
    today: dt.date
    sections: tuple[InboxSection, ...]

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)

    @property
    def overdue(self) -> int:
        return sum(s.overdue for s in self.sections)

    @property
    def urgent(self) -> bool:
        return any(s.urgent_items for s in self.sections)

    def section(self, key: str) -> InboxSection | None:
        return next((s for s in self.sections if s.key == key), None)


def _colour(due: dt.date | None, today: dt.date) -> DeadlineState:
    return deadline_state(due, today=today, next_working_day=next_working_day)


def _risk_label(code: str) -> Text:
    return RiskType(code).label if code in RiskType.values else code


def _alert_item(alert: Alert, today: dt.date) -> InboxItem:
    colour = (
        DeadlineState.RED if alert_is_overdue(alert, today=today) else _colour(alert.first_visit_due, today)
    )
    return InboxItem(
        label=alert.household.number if alert.household else _("not in the registry"),
        place=alert.village.name,
        detail=format_lazy(_("first visit · {risk}"), risk=_risk_label(alert.risk_code)),
        due=alert.first_visit_due,
        deadline=colour,
        url_name="alert-detail",
        url_pk=alert.pk,
    )


def _alerts_section(key: str, qs: QuerySet[Alert], *, today: dt.date, limit: int) -> InboxSection:
    # The query form of alert_is_overdue, so the count needs no loop.
    overdue = Q(visited_on__isnull=True, first_visit_due__lt=today)
    totals = qs.aggregate(count=Count("pk"), overdue=Count("pk", filter=overdue))
    rows = qs.select_related("village", "household").order_by("first_visit_due", "id")[:limit]
    return InboxSection(
        key=key,
        count=totals["count"],
        overdue=totals["overdue"],
        items=tuple(_alert_item(a, today) for a in rows),
    )


def _alert_sections(actor, *, role: Role, today: dt.date, limit: int) -> list[InboxSection]:
    open_alerts = alerts_visible_to(actor).filter(status__in=OPEN_STATUSES)
    sections = [
        _alerts_section(SectionKey.MY_ALERTS, open_alerts.filter(assigned_to=actor), today=today, limit=limit)
    ]
    if role in (Role.TOWNSHIP, Role.COUNTY):
        waiting = Q(assigned_to__isnull=True) | Q(visited_on__isnull=True, first_visit_due__lt=today)
        area = open_alerts.filter(waiting).exclude(assigned_to=actor)
        sections.append(_alerts_section(SectionKey.AREA_ALERTS, area, today=today, limit=limit))
    return sections


def _cases_section(actor, *, today: dt.date, limit: int) -> InboxSection:
    qs = case_queue(actor=actor, today=today)
    totals = qs.aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(step_due_on__lt=today)))
    items = []
    for case in qs[:limit]:  # the queue's own order: the earliest step due first
        below = waiting_role(Kind(case.kind), State(case.state)) != actor.role
        state = STATE_LABELS.get(State(case.state), case.state)
        items.append(
            InboxItem(
                label=case.household.number,
                place=case.household.village.name,
                detail=format_lazy(_("{state} (overdue below)"), state=state) if below else state,
                due=case.step_due_on,
                deadline=case_deadline(case, today=today),
                url_name="case-detail",
                url_pk=case.pk,
            )
        )
    return InboxSection(
        key=SectionKey.CASES, count=totals["count"], overdue=totals["overdue"], items=tuple(items)
    )


def _follow_up_item(f: FollowUp, today: dt.date) -> InboxItem:
    return InboxItem(
        label=f.household.number,
        place=f.household.village.name,
        detail=_("follow-up visit"),
        due=f.due,
        deadline=DeadlineState.RED if f.is_overdue else _colour(f.due, today),
        url_name="assistance-plan",
        url_pk=f.household.pk,
    )


def _my_follow_ups_section(actor, *, today: dt.date, limit: int) -> InboxSection:
    horizon = today + dt.timedelta(days=inbox_setting("follow_up_horizon_days"))
    due = [
        f
        for f in follow_ups_of_helper(actor=actor, today=today)  # overdue first, then by due date
        if f.is_overdue or f.due is None or f.due <= horizon
    ]
    return InboxSection(
        key=SectionKey.MY_FOLLOW_UPS,
        count=len(due),
        overdue=sum(f.is_overdue for f in due),
        items=tuple(_follow_up_item(f, today) for f in due[:limit]),
    )


def _helpers_overdue_section(actor, *, today: dt.date, limit: int) -> InboxSection:
    """One line per helper with overdue visits (and one for households without a helper), the most first."""
    by_helper: dict[int | None, list[FollowUp]] = defaultdict(list)
    for f in follow_ups_overdue(actor=actor, today=today):
        by_helper[f.household.helper_id].append(f)
    lines = sorted(by_helper.values(), key=lambda rows: (-len(rows), rows[0].due or dt.date.min))
    items = []
    for rows in lines[:limit]:
        helper = rows[0].household.helper
        name = person_name(helper) if helper else _("no helper assigned")
        items.append(
            InboxItem(
                label=name,
                place=", ".join(sorted({f.household.village.name for f in rows})),
                detail=format_lazy(_("{n} overdue"), n=len(rows)),
                due=min((f.due for f in rows if f.due), default=None),
                deadline=DeadlineState.RED,
                url_name="assistance-overdue",
            )
        )
    total = sum(len(rows) for rows in lines)
    return InboxSection(key=SectionKey.HELPERS_OVERDUE, count=total, overdue=total, items=tuple(items))


def _matches_section(actor, *, limit: int) -> InboxSection:
    qs = ambiguous_rows_visible_to(actor)
    count = qs.count()
    items = tuple(
        InboxItem(
            label=row.batch.file_name,
            place=row.batch.department,
            detail=format_lazy(_("row {n}: more than one member matches"), n=row.row_number),
            due=None,
            deadline=DeadlineState.ON_TIME,
            url_name="feeds-queue",
        )
        for row in qs[:limit]
    )
    return InboxSection(key=SectionKey.MATCHES, count=count, overdue=0, items=items)


def inbox_for(*, actor, today: dt.date) -> Inbox:
    """The user's inbox on `today` (a parameter, so a moved clock shows at once). Staff who do not work with
    households (department, social, analyst) get an empty inbox."""
    role = Role(actor.role)
    if not can_see_households(role):
        return Inbox(today=today, sections=())
    limit = inbox_setting("items_per_section")
    sections = _alert_sections(actor, role=role, today=today, limit=limit)
    sections.append(_cases_section(actor, today=today, limit=limit))
    sections.append(_my_follow_ups_section(actor, today=today, limit=limit))
    if role in (Role.TOWNSHIP, Role.COUNTY):
        sections.append(_helpers_overdue_section(actor, today=today, limit=limit))
    if can_resolve_matches(role):
        sections.append(_matches_section(actor, limit=limit))
    return Inbox(today=today, sections=tuple(sections))
