"""`fangpin simulate --households N --seed S --months M`: build the simulated county (DESIGN.md §7)."""

import dataclasses
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from fangpin.core.dates import parse_month
from fangpin.core.migrate import migrate_if_needed
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate, line_for


class Command(BaseCommand):
    help = (
        "Replace the registry with a simulated county (divisions, households, members, a monthly income panel "
        "with shocks and ground truth) and write its Parquet snapshot. Same seed, same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households", type=int, default=5_000, help="1,000 to 1,000,000 (default 5,000)"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--months", type=int, default=12, help="length of the monthly panel (default 12)")
        parser.add_argument("--end-month", default="2026-10", help="last month of the panel, YYYY-MM")
        parser.add_argument("--no-db", action="store_true", help="write the Parquet snapshot only")
        parser.add_argument(
            "--summary-json", type=Path, help="also write the summary and timings as JSON here"
        )
        parser.add_argument(
            "--feeds", type=Path, metavar="DIR", help="also write the department files (one per feed) here"
        )

    def handle(
        self,
        *args,
        households: int,
        seed: int,
        months: int,
        end_month: str,
        no_db: bool,
        summary_json: Path | None,
        feeds: Path | None,
        **options,
    ):
        try:
            params = SimulationParams(
                households=households, seed=seed, months=months, end_month=parse_month(end_month)
            )
        except ValueError as e:
            raise CommandError(f"Nothing was simulated: {e}") from None
        if migrate_if_needed():
            self.stdout.write("Database schema created (migrations applied).")
        params = dataclasses.replace(params, line_yuan=line_for(params))
        with Progress(transient=True, disable=options["verbosity"] == 0) as bar:
            task = bar.add_task("Simulating households", total=households)
            result = county_simulate(
                actor="cli",
                params=params,
                to_database=not no_db,
                progress=lambda n: bar.advance(task, n),
                feed_dir=feeds,
            )
        for line in result.summary.lines():
            self.stdout.write(line)
        self.stdout.write(f"Parquet snapshot: {result.snapshot_path}")
        for path in result.feed_files:
            self.stdout.write(f"Department file: {path}")
        if summary_json:
            summary_json.write_text(
                json.dumps(
                    {
                        "summary": dataclasses.asdict(result.summary),
                        "timings": dataclasses.asdict(result.timings),
                    },
                    ensure_ascii=False,
                    indent=2,
                    default=str,
                )
            )
