"""E-mail on events through Django's mail backend (the console backend in the demo): an alert assigned to a
cadre, and the daily digest of what is overdue or due by the next working day, built from the inbox."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.alerts.models import Alert
from fangpin.audit.services import audit_record
from fangpin.cases.rules import DeadlineState
from fangpin.web.display import person_name
from fangpin.web.inbox import Inbox, InboxItem, inbox_for

# Every message is written in Chinese (the site's language) with the English text below it: a user's
# language is not stored, and the county office reads Chinese.
LANGUAGES = ("zh-hans", "en")
DIGEST_ROLES = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)


def _site_url(url_name: str, pk: int | None = None) -> str:
    base = getattr(settings, "FANGPIN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse(url_name, args=[pk] if pk is not None else [])


def _bilingual(write: Callable[[], str]) -> str:
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(write())
    return "\n\n----------\n\n".join(parts)


def _subject(write: Callable[[], str]) -> str:
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(write())
    return " / ".join(dict.fromkeys(parts))  # one text when a translation is missing


def _date(day: dt.date) -> str:
    return formats.date_format(day)


def notify_alert_assigned(alert: Alert) -> bool:
    """Tell the assignee an alert is theirs to visit; False (nothing sent) when they have no e-mail address.
    Called after the assignment commits, so a rolled-back assignment sends nothing."""
    assignee = alert.assigned_to
    if assignee is None or not assignee.email:
        return False
    household = alert.household.number if alert.household else ""
    village = alert.village.name
    url = _site_url("alert-detail", alert.pk)

    def body() -> str:
        lines = [
            _("Hello %(name)s,") % {"name": person_name(assignee)},
            "",
            _("An alert in %(village)s has been assigned to you for the first home visit.")
            % {"village": village},
        ]
        if household:
            lines.append(_("Household: %(number)s") % {"number": household})
        lines += [
            _("First visit due: %(due)s") % {"due": _date(alert.first_visit_due)},
            url,
        ]
        return "\n".join(lines)

    message = EmailMessage(
        subject=_subject(lambda: _("Alert assigned to you: %(village)s") % {"village": village}),
        body=_bilingual(body),
        to=[assignee.email],
    )
    message.send()
    return True


def _item_line(item: InboxItem) -> str:
    when = ""
    if item.due:
        when = (_("overdue, was due %(due)s") if item.deadline == DeadlineState.RED else _("due %(due)s")) % {
            "due": _date(item.due)
        }
    text = " · ".join(str(part) for part in (item.label, item.place, item.detail, when) if part)
    return f"- {text}\n  {_site_url(item.url_name, item.url_pk)}"


def digest_message(*, user, inbox: Inbox) -> EmailMessage | None:
    """The day's digest for `user`: what is overdue or due by the next working day, per section; None when
    the user has no e-mail address or nothing is urgent."""
    if not user.email or not inbox.urgent:
        return None

    def body() -> str:
        lines = [
            _("Hello %(name)s,") % {"name": person_name(user)},
            "",
            _("What needs you on %(day)s (overdue or due by the next working day):")
            % {"day": _date(inbox.today)},
        ]
        for section in inbox.sections:
            if not section.urgent_items:
                continue
            heading = _("%(section)s (%(n)d overdue)") % {"section": section.title, "n": section.overdue}
            lines += ["", heading]
            lines += [_item_line(item) for item in section.urgent_items]
        lines += ["", _("Your inbox: %(url)s") % {"url": _site_url("inbox")}]
        return "\n".join(lines)

    return EmailMessage(
        subject=_subject(
            lambda: _("fangpin: %(n)d overdue on %(day)s") % {"n": inbox.overdue, "day": _date(inbox.today)}
        ),
        body=_bilingual(body),
        to=[user.email],
    )


@dataclass(frozen=True)
class DigestResult:
    today: dt.date
    sent: int
    without_email: int  # skipped: no address to write to
    nothing_urgent: int


def inbox_digest_send(*, today: dt.date) -> DigestResult:
    """Send each active village, township and county user with an e-mail address and something urgent one
    digest, over one connection; the audit log keeps the counts."""
    users = get_user_model().objects.filter(is_active=True, role__in=DIGEST_ROLES).order_by("pk")
    messages, without_email, nothing_urgent = [], 0, 0
    for user in users:  # one inbox per user: a fixed number of queries each
        if not user.email:
            without_email += 1
            continue
        message = digest_message(user=user, inbox=inbox_for(actor=user, today=today))
        if message is None:
            nothing_urgent += 1
        else:
            messages.append(message)
    sent = (get_connection().send_messages(messages) or 0) if messages else 0
    audit_record(
        actor="system",
        action="inbox.digest",
        object_type="accounts.user",
        data={"today": today, "sent": sent, "without_email": without_email, "nothing_urgent": nothing_urgent},
    )
    return DigestResult(today=today, sent=sent, without_email=without_email, nothing_urgent=nothing_urgent)
