"""`fangpin bench screen`: the whole screening run (`fangpin screen`: compile, execute on DuckDB, write alerts)
against one DuckDB scan of its inputs, the same rules household by household through the ORM, and PostgreSQL.

Every step is its own process under a temporary data directory and SQLite database, so each peak RSS is that
step's own and the user's data is never touched. Set-up (simulation, feed imports) is not measured.
"""

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from fangpin.bench.process import Measured, run_measured
from fangpin.bench.screen.plan import Plan
from fangpin.bench.simulate import postgres_admin_url
from fangpin.simulation.generate import SimulationParams

FANGPIN = [sys.executable, "-m", "fangpin.cli.main"]


def _python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"fangpin.bench.screen.{module}", *args]


class _Steps:
    """Runs the bench's steps as processes in one environment, keeping each one's wall time."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.wall_s: dict[str, float] = {}

    def run(self, label: str, cmd: list[str]) -> Measured:
        measured = run_measured(cmd, env=self.env, label=label)
        self.wall_s[label] = round(measured.wall_s, 2)
        return measured


def bench_screen(
    *, households: int, seed: int, orm_households: int, postgres: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    as_of = SimulationParams(households=households, seed=seed).end_month
    with tempfile.TemporaryDirectory(prefix="fangpin-bench-screen-") as tmp:
        tmp_path = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "FANGPIN_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "fangpin.config.settings.base",
        }
        steps = _Steps(env)
        feeds_dir = tmp_path / "department-files"
        simulate = [*FANGPIN, "simulate", "--households", str(households), "--seed", str(seed)]
        steps.run("simulate", [*simulate, "--feeds", str(feeds_dir), "--verbosity", "0"])
        plan_path = tmp_path / "plan.json"
        prepare = [
            "prepare",
            "--feeds-dir",
            str(feeds_dir),
            "--as-of",
            as_of.isoformat(),
            "--out",
            str(plan_path),
        ]
        steps.run("prepare", _python("plan", *prepare))
        plan = Plan.read(plan_path)
        floor_run = steps.run("floor", _python("floor", str(plan_path)))
        floor = json.loads(floor_run.stdout)
        # The first run raises every alert; the second finds them open and refreshes them (a monthly re-run).
        screen = [*FANGPIN, "screen", "--as-of", f"{as_of:%Y-%m}"]
        load_before_run = os.getloadavg()[0]  # the machine may be shared: say how busy it was
        run = steps.run("screen", screen)
        rerun = steps.run("screen again", screen)
        info, rerun_info = json.loads(steps.run("run info", _python("plan", "run-info")).stdout)
        for record in (info, rerun_info):
            if record["status"] != "done":
                raise RuntimeError(
                    f"bench screen: run {record['run_id']} ended {record['status']}: {record['message']}"
                )
        # A third run under the profiler, for where the time goes (not for the figures above).
        profile = str(tmp_path / "screen.prof")
        steps.run("screen (profiled)", [sys.executable, "-m", "cProfile", "-o", profile, *screen[1:]])
        phases = json.loads(steps.run("phases", _python("phases", profile)).stdout)
        orm_cmd = _python("orm_loop", str(plan_path), "--sample", str(orm_households), "--seed", str(seed))
        orm = json.loads(steps.run("ORM loop", orm_cmd).stdout)
        if not orm["parity"]:
            raise RuntimeError(f"bench screen: the ORM loop and the run disagree: {orm}")
        admin = postgres_admin_url() if postgres else None
        pg: dict[str, Any] | None = None
        if admin:
            pg_run = steps.run("PostgreSQL", _python("postgres", str(plan_path), "--admin-url", admin))
            pg = json.loads(pg_run.stdout) | {"peak_rss_mb": round(pg_run.peak_rss_mb, 1)}
            if not pg["parity"]:
                raise RuntimeError(f"bench screen: PostgreSQL and DuckDB disagree: {pg}")
    run_s = info["duration_s"]
    orm_extrapolated = orm["orm_s"] * households / orm["households"]
    results: dict[str, Any] = {
        "run_s": round(run_s, 3),
        "run_wall_s": round(run.wall_s, 3),
        "floor_s": round(floor["floor_s"], 3),
        "orm_s_extrapolated": round(orm_extrapolated, 1),
        "postgres_s": round(pg["postgres_s"], 3) if pg else None,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "rerun_s": round(rerun_info["duration_s"], 3),
        "rerun_peak_rss_mb": round(rerun.peak_rss_mb, 1),
        "households_screened": info["households"],
        "households_flagged": info["hits"],
        "alerts_created": info["alerts_created"],
        # Open alerts a department pushed during the imports (a death, say) that the first run refreshed.
        "alerts_refreshed": info["alerts_refreshed"],
        "alerts_refreshed_by_rerun": rerun_info["alerts_refreshed"],
        "floor": {
            "peak_rss_mb": round(floor_run.peak_rss_mb, 1),
            "inputs": {
                name: {k: round(v, 3) if isinstance(v, float) else v for k, v in step.items()}
                for name, step in floor["inputs"].items()
            },
        },
        "orm": {
            "households": orm["households"],
            "orm_s": round(orm["orm_s"], 3),
            "per_household_ms": round(orm["per_household_ms"], 2),
            "hits": orm["hits"],
            "parity": orm["parity"],
            "feeds": "filtered per household from in-memory pyarrow tables (feeds are not in the OLTP database)",
        },
        "postgres": (
            {k: round(v, 3) if isinstance(v, float) else v for k, v in pg.items()}
            if pg
            else {"skipped": "--no-postgres" if not postgres else "no PostgreSQL answered"}
        ),
        "missing_feed_months": info["missing_months"],
        "run_phases_profiled_s": phases,
        "steps_wall_s": steps.wall_s,
        "load_avg_1m_before_run": round(load_before_run, 2),
    }
    ratios = {
        "run_over_floor": run_s / floor["floor_s"],
        "orm_over_run": orm_extrapolated / run_s,
    }
    if pg:
        ratios["postgres_over_run"] = pg["postgres_s"] / run_s
    params = {
        "households": households,
        "seed": seed,
        "months": 12,
        "as_of": f"{as_of:%Y-%m}",
        "orm_households": orm_households,
        "engine": "duckdb",
        "database": "sqlite",
        "files": {name: len(files) for name, files in plan.inputs.items()},
    }
    return params, results, ratios
