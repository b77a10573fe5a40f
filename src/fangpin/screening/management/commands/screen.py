"""`fangpin screen`: run screening now, in this process, and say what it found."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fangpin.core.dates import parse_month
from fangpin.core.errors import FangpinError
from fangpin.screening.models import Engine, RunKind
from fangpin.screening.services import (
    rule_set_install_default,
    screening_execute,
    screening_run_create,
)


class Command(BaseCommand):
    help = "Screen every household with the active rule set and raise or refresh alerts."

    def add_arguments(self, parser):
        parser.add_argument("--engine", choices=Engine.values, default=Engine.DUCKDB)
        parser.add_argument("--as-of", help="the month screened, YYYY-MM (default: last month)")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what each rule flags; raise no alert"
        )
        parser.add_argument(
            "--rule-set", type=int, help="a rule set's id (dry runs only; default: the active one)"
        )
        parser.add_argument(
            "--snapshot",
            action="store_true",
            help="take a fresh registry snapshot first (default: the current one)",
        )

    def handle(self, *args, engine, as_of, dry_run, rule_set, snapshot, **options):
        try:
            month: dt.date | None = parse_month(as_of) if as_of else None
        except ValueError as e:
            raise CommandError(str(e)) from None
        try:
            rule_set_install_default(actor="cli")
            run = screening_run_create(
                actor="cli",
                kind=RunKind.DRY_RUN if dry_run else RunKind.RUN,
                engine=engine,
                as_of=month,
                rule_set_id=rule_set,
            )
            run = screening_execute(run_id=run.pk, actor="cli", take_snapshot=snapshot)
        except FangpinError as e:
            raise CommandError(e.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk} ({run.get_kind_display()}, {run.engine}, {run.as_of:%Y-%m}, rule set v{run.rule_set.version}, "
                f"line {run.line_amount} yuan): {run.households:,} households, {run.hits:,} flagged; "
                f"{run.alerts_created:,} alerts raised, {run.alerts_refreshed:,} refreshed, in {run.duration_s:.1f} s."
            )
        )
        if run.message:
            self.stdout.write(self.style.WARNING(run.message))
