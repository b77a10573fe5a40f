"""`fangpin demo`: migrate, simulate a 5,000-household county, create one log-in per role, serve on :8000."""

import dataclasses
import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from fangpin.accounts.services import demo_users_create
from fangpin.core.migrate import migrate_if_needed
from fangpin.registry.models import Household
from fangpin.screening.services import rule_set_install_default, screening_execute, screening_run_create
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate, line_for, sample_feeds_import


class Command(BaseCommand):
    help = (
        "Run the demo: schema, a simulated county (kept between runs unless --fresh), demo log-ins, web app."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--fresh", action="store_true", help="simulate again even if a county is loaded")
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare everything but do not start the server"
        )

    def handle(self, *args, households: int, seed: int, fresh: bool, bind: str, no_serve: bool, **options):
        migrate_if_needed()
        params = SimulationParams(households=households, seed=seed)
        if fresh or not Household.objects.exists():
            self.stdout.write(f"Simulating a county of {households:,} households…")
            params = dataclasses.replace(params, line_yuan=line_for(params))
            feed_dir = settings.DATA_DIR / "feeds-sample"
            result = county_simulate(actor="demo", params=params, feed_dir=feed_dir)
            for line in result.summary.lines():
                self.stdout.write("  " + line)
            self.stdout.write(f"  Sample department files ({len(result.feed_files)}): {feed_dir}")
            imports = sample_feeds_import(actor="demo", paths=result.feed_files)
            rows = sum(r.batch.rows_total for r in imports)
            matched = sum(r.batch.rows_matched for r in imports)
            self.stdout.write(
                f"  Imported {len(imports)} department files: {rows:,} rows, {matched:,} matched."
            )
            rule_set_install_default(actor="demo")
            run = screening_run_create(actor="demo", as_of=params.end_month)
            run = screening_execute(run_id=run.pk, actor="demo")
            self.stdout.write(
                f"  Screened {run.households:,} households with rule set v{run.rule_set.version}: "
                f"{run.alerts_created:,} alerts raised."
            )
        logins = demo_users_create(actor="demo", county_code=params.county_code)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"fangpin demo: http://{bind}/   (admin: http://{bind}/admin/)"))
        self.stdout.write(f"Log-ins (password for all: {logins[0].password}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role.label!s:<28} {login.division}")
        sys.stdout.flush()
        if no_serve:
            return
        # The background worker (imports) runs beside the web server and stops with it (same process group).
        subprocess.Popen([sys.executable, "-m", "fangpin.cli.main", "db_worker", "--no-reload"])
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "fangpin.config.wsgi",
                "--bind",
                bind,
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
        )
