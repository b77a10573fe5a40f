"""`fangpin case_deadlines [--date YYYY-MM-DD] [--enqueue]`: colour open cases for a day (run it daily from cron,
or queue the background task for the worker)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from fangpin.cases.deadlines import case_deadlines_refresh
from fangpin.cases.tasks import case_deadlines_refresh_task


class Command(BaseCommand):
    help = "Colour open cases on time, orange or red for a day; overdue ones reach the next level's queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, help="the day to colour for (default today)"
        )
        parser.add_argument("--enqueue", action="store_true", help="queue the background task instead")

    def handle(self, *args, date: dt.date | None, enqueue: bool, **options) -> None:
        if enqueue:
            case_deadlines_refresh_task.enqueue()
            self.stdout.write("Queued the deadline refresh.")
            return
        counts = case_deadlines_refresh(today=date)
        self.stdout.write(
            f"{counts.today}: {counts.red} overdue ({counts.newly_red} newly), {counts.orange} due soon, "
            f"{counts.on_time} on time."
        )
