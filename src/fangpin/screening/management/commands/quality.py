"""`fangpin quality`: run the data-quality checks now, in this process, and say what they found."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fangpin.core.errors import FangpinError
from fangpin.screening.models import QualityTrigger
from fangpin.screening.quality.services import quality_run


class Command(BaseCommand):
    help = "Check every household with the active data-quality rules and store the issues found."

    def add_arguments(self, parser):
        parser.add_argument("--trigger", choices=QualityTrigger.values, default=QualityTrigger.MANUAL)
        parser.add_argument("--as-of", help="the day checked, YYYY-MM-DD (default: today)")

    def handle(self, *args, trigger, as_of, **options):
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError as e:
            raise CommandError(str(e)) from None
        try:
            run = quality_run(actor="cli", trigger=trigger, as_of=day)
        except FangpinError as e:
            raise CommandError(e.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Quality run {run.pk} ({run.trigger}, {run.as_of:%Y-%m-%d}, rule set v{run.rule_set.version}): "
                f"{run.households:,} households, {run.issues:,} issues ({run.new_issues:,} new, "
                f"{run.still_open:,} still open, {run.fixed:,} fixed)."
            )
        )
