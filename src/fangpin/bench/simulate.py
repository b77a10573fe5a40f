"""`fangpin bench simulate`: households per second into Parquet alone, into SQLite and into PostgreSQL, and
peak memory of each run. Each target runs as its own `fangpin simulate` process, so peak RSS is that run's
own and one database's settings never leak into another's."""

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from fangpin.bench.process import run_measured

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "fangpin_bench"


def postgres_admin_url() -> str | None:
    """A PostgreSQL server to benchmark against (DATABASE_URL if it is one, else the local default), if it answers."""
    url = os.environ.get("DATABASE_URL", "")
    url = url if url.startswith("postgres") else POSTGRES_URL
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return url
    except psycopg.Error:
        return None


def _fresh_postgres_db(admin_url: str) -> str:
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


def _run(
    target: str, *, households: int, seed: int, database_url: str, data_dir: Path, no_db: bool
) -> dict[str, Any]:
    summary = data_dir / f"{target}.json"
    cmd = [
        sys.executable,
        "-m",
        "fangpin.cli.main",
        "simulate",
        "--households",
        str(households),
        "--seed",
        str(seed),
        "--summary-json",
        str(summary),
        "--verbosity",
        "0",
    ]
    if no_db:
        cmd.append("--no-db")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FANGPIN_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "fangpin.config.settings.base",
    }
    run = run_measured(cmd, env=env, label=f"simulate ({target})")
    timings = json.loads(summary.read_text())["timings"]
    work_s = timings["generate_s"] + timings["parquet_s"] + timings["database_s"]
    return {
        "seconds": round(work_s, 3),
        "wall_s": round(run.wall_s, 3),
        "households_per_s": round(households / work_s),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        **{k: round(v, 3) for k, v in timings.items()},
    }


def bench_simulate(*, households: int, seed: int) -> tuple[dict, dict, dict]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fangpin-bench-") as tmp:
        tmp_path = Path(tmp)
        sqlite_url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        results["parquet"] = _run(
            "parquet",
            households=households,
            seed=seed,
            database_url=sqlite_url,
            data_dir=tmp_path,
            no_db=True,
        )
        results["sqlite"] = _run(
            "sqlite",
            households=households,
            seed=seed,
            database_url=sqlite_url,
            data_dir=tmp_path,
            no_db=False,
        )
        admin = postgres_admin_url()
        if admin:
            results["postgres"] = _run(
                "postgres",
                households=households,
                seed=seed,
                database_url=_fresh_postgres_db(admin),
                data_dir=tmp_path,
                no_db=False,
            )
        else:
            results["postgres"] = {"skipped": "no PostgreSQL answered at DATABASE_URL or 127.0.0.1:5432"}
    ratios = {"sqlite_over_parquet": results["sqlite"]["seconds"] / results["parquet"]["seconds"]}
    if "seconds" in results["postgres"]:
        ratios["postgres_over_parquet"] = results["postgres"]["seconds"] / results["parquet"]["seconds"]
        ratios["postgres_over_sqlite"] = results["postgres"]["seconds"] / results["sqlite"]["seconds"]
    return {"households": households, "seed": seed, "months": 12}, results, ratios
