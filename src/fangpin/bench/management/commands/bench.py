"""`fangpin bench NAME --out FILE`: run a benchmark and write its JSON report."""

from pathlib import Path

from django.core.management.base import BaseCommand

from fangpin.bench.report import write_report
from fangpin.bench.simulate import bench_simulate


class Command(BaseCommand):
    help = "Benchmarks writing JSON {bench, params, results, ratios}. Available: simulate."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["simulate"])
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, name: str, households: int, seed: int, out: Path, **options):
        params, results, ratios = bench_simulate(households=households, seed=seed)
        report = write_report(bench=name, params=params, results=results, ratios=ratios, out=out)
        self.stdout.write(f"{out}: {report['results']}")
        self.stdout.write(f"ratios: {report['ratios']}")
