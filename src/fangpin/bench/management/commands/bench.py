"""`fangpin bench NAME --out FILE`: run a benchmark and write its JSON report."""

from pathlib import Path

from django.core.management.base import BaseCommand

from fangpin.bench.imports import bench_import
from fangpin.bench.report import write_report
from fangpin.bench.simulate import bench_simulate


class Command(BaseCommand):
    help = "Benchmarks writing JSON {bench, params, results, ratios}. Available: simulate, import."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["simulate", "import"])
        parser.add_argument("--households", type=int, default=100_000, help="size of the simulated county")
        parser.add_argument("--rows", type=int, default=1_000_000, help="import: rows of the GBK claims file")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, name: str, households: int, rows: int, seed: int, out: Path, **options):
        if name == "simulate":
            params, results, ratios = bench_simulate(households=households, seed=seed)
        else:
            params, results, ratios = bench_import(rows=rows, households=households, seed=seed)
        report = write_report(bench=name, params=params, results=results, ratios=ratios, out=out)
        self.stdout.write(f"{out}: {report['results']}")
        self.stdout.write(f"ratios: {report['ratios']}")
