"""`fangpin inbox_digest [--date YYYY-MM-DD]`: e-mail each village, township and county user with an address
one digest of what is overdue or due by the next working day (run daily, after the deadline refresh)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fangpin.core import clock
from fangpin.web.notify import inbox_digest_send


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "E-mail each user with an address one digest of their overdue and nearly due work."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to count deadlines for (default: today), YYYY-MM-DD")

    def handle(self, *args, date: str | None = None, **options):
        today = _day(date) if date else clock.today()
        result = inbox_digest_send(today=today)
        self.stdout.write(
            f"{result.today.isoformat()}: {result.sent} digests sent, {result.without_email} users without "
            f"e-mail skipped, {result.nothing_urgent} with nothing urgent."
        )
