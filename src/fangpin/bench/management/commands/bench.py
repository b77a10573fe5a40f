"""`fangpin bench NAME --out FILE`: run a benchmark and write its JSON report."""

from pathlib import Path

from django.core.management.base import BaseCommand

from fangpin.bench.imports import bench_import
from fangpin.bench.report import write_report
from fangpin.bench.simulate import bench_simulate


class Command(BaseCommand):
    help = "Benchmarks writing JSON {bench, params, results, ratios}. Available: simulate, import, screen."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["simulate", "import", "screen"])
        parser.add_argument("--households", type=int, default=100_000, help="size of the simulated county")
        parser.add_argument("--rows", type=int, default=1_000_000, help="import: rows of the GBK claims file")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--orm-households", type=int, default=2_000, help="screen: households the ORM loop evaluates"
        )
        parser.add_argument(
            "--no-postgres", action="store_true", help="screen: skip the PostgreSQL comparison"
        )
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, name: str, households: int, rows: int, seed: int, out: Path, **options):
        if name == "simulate":
            params, results, ratios = bench_simulate(households=households, seed=seed)
        elif name == "screen":
            from fangpin.bench.screen import bench_screen  # PySpark and Ibis backends load only when asked

            params, results, ratios = bench_screen(
                households=households,
                seed=seed,
                orm_households=options["orm_households"],
                postgres=not options["no_postgres"],
            )
        else:
            params, results, ratios = bench_import(rows=rows, households=households, seed=seed)
        report = write_report(bench=name, params=params, results=results, ratios=ratios, out=out)
        self.stdout.write(f"{out}: {report['results']}")
        self.stdout.write(f"ratios: {report['ratios']}")
