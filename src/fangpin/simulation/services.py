"""Building the simulated county into the database and the Parquet store.

The generator (the `generate` package) is pure and vectorised; this module streams its chunks into the OLTP tables
with bulk loads (COPY on PostgreSQL, batched executemany on SQLite) and into a Parquet snapshot, with only
one chunk in memory. The whole database write is one transaction: a failed or killed run leaves the
previous county in place.
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fangpin.audit.services import audit_record
from fangpin.core.bulk import analyze, bulk_insert, delete_all, reset_sequences
from fangpin.divisions.services import DivisionRow, divisions_prune, divisions_upsert
from fangpin.feeds.services import feed_import, feed_schema_active
from fangpin.feeds.store import clear_store
from fangpin.monitoring.selectors import monitoring_line_for
from fangpin.registry.models import Category, Household, IncomeRecord, Member
from fangpin.registry.services import id_number_fields
from fangpin.registry.snapshot import SnapshotWriter
from fangpin.simulation.feed_files import FeedFileWriter
from fangpin.simulation.generate import (
    INCOME_COLUMNS,
    CountyChunk,
    SimulationParams,
    build_divisions,
    generate_chunks,
)
from fangpin.simulation.summary import CountySummary, SummaryAccumulator

log = logging.getLogger(__name__)


@dataclass
class Timings:
    generate_s: float = 0.0
    parquet_s: float = 0.0
    database_s: float = 0.0


@dataclass(frozen=True)
class SimulationResult:
    params: SimulationParams
    summary: CountySummary
    snapshot_path: Path
    timings: Timings = field(default_factory=Timings)
    feed_files: list[Path] = field(default_factory=list)


def snapshot_id_for(params: SimulationParams) -> str:
    return f"sim-s{params.seed}-h{params.households}-m{params.months}-{params.end_month:%Y%m}"


def line_for(params: SimulationParams) -> float:
    line = monitoring_line_for(province_code=params.county_code[:2], year=params.end_month.year)
    return float(line.amount)


def county_simulate(
    *,
    actor,
    params: SimulationParams,
    to_database: bool = True,
    parquet_root: Path | None = None,
    progress: Callable[[int], None] | None = None,
    feed_dir: Path | None = None,
) -> SimulationResult:
    """Replace the registry with a simulated county and write its Parquet snapshot; returns the summary.

    With `feed_dir`, also write there the department files the county's shocks would produce (feed_files.py).
    """
    root = parquet_root or settings.PARQUET_DIR / "snapshots"
    timings = Timings()
    writer = SnapshotWriter(root, snapshot_id_for(params))
    summary = SummaryAccumulator(params.line_yuan)
    feeds = FeedFileWriter(params=params, out_dir=feed_dir) if feed_dir is not None else None
    try:
        if to_database:
            with transaction.atomic():
                _replace_county(
                    actor=actor,
                    params=params,
                    writer=writer,
                    summary=summary,
                    timings=timings,
                    progress=progress,
                    feeds=feeds,
                )
        else:
            _write_chunks(
                params=params,
                writer=writer,
                summary=summary,
                timings=timings,
                progress=progress,
                to_database=False,
                feeds=feeds,
            )
    except BaseException:
        writer.abort()
        if feeds is not None:
            feeds.abort()
        raise
    result = summary.result()
    log.info(
        "simulated county seed=%s households=%s people=%s generate=%.1fs parquet=%.1fs database=%.1fs",
        params.seed,
        result.households,
        result.people,
        timings.generate_s,
        timings.parquet_s,
        timings.database_s,
    )
    t0 = time.perf_counter()
    path = writer.close(
        {
            "params": vars(params),
            "snapshot": writer.path.name,
            "households": result.households,
            "people": result.people,
        }
    )
    timings.parquet_s += time.perf_counter() - t0
    feed_files = feeds.close() if feeds is not None else []
    return SimulationResult(
        params=params, summary=result, snapshot_path=path, timings=timings, feed_files=feed_files
    )


# Everything recorded about a county's households, children before parents (every link is PROTECT).
COUNTY_WORK = (
    "assistance.VisitMeasure",
    "assistance.Visit",
    "assistance.HistoricalMeasure",
    "assistance.Measure",
    "assistance.HistoricalPlan",
    "assistance.Plan",
    "cases.Objection",
    "cases.NoticeEntry",
    "cases.CaseAttachment",
    "cases.CaseStep",
    "cases.Case",
    "cases.PublicNotice",
    "alerts.SelfReport",
    "alerts.Alert",
    "screening.ScreeningRun",
    "feeds.FeedRow",
    "feeds.FeedBatch",
)


def _replace_county(*, actor, params, writer, summary, timings, progress, feeds) -> None:
    t0 = time.perf_counter()
    # The simulator owns the registry it builds: the old county's rows go first, children before parents, and
    # with them all work recorded about its households (alerts, cases, plans, visits, department data).
    delete_all([apps.get_model(label).objects.all() for label in COUNTY_WORK])
    transaction.on_commit(clear_store)  # files go only once the rows pointing at them are gone for good
    delete_all(
        [
            IncomeRecord.history.model.objects.all(),
            Member.history.model.objects.all(),
            Household.history.model.objects.all(),
            IncomeRecord.objects.all(),
            Member.objects.all(),
            Household.objects.all(),
        ]
    )
    divisions = build_divisions(params)
    rows = [
        DivisionRow(c, n)
        for c, n in zip(divisions["code"].to_pylist(), divisions["name"].to_pylist(), strict=True)
    ]
    divisions_upsert(actor=actor, rows=rows, source=f"simulation seed {params.seed}")
    divisions_prune(actor=actor, under=params.county_code, keep=[r.code for r in rows])
    writer.write("divisions", divisions)
    timings.database_s += time.perf_counter() - t0
    _write_chunks(
        params=params,
        writer=writer,
        summary=summary,
        timings=timings,
        progress=progress,
        to_database=True,
        feeds=feeds,
    )
    t0 = time.perf_counter()
    reset_sequences([Household, Member])
    analyze([Household, Member, IncomeRecord])
    audit_record(
        actor=actor,
        action="county.simulate",
        object_type="divisions.division",
        object_id=params.county_code,
        data={
            "households": params.households,
            "seed": params.seed,
            "months": params.months,
            "end_month": params.end_month.isoformat(),
        },
    )
    timings.database_s += time.perf_counter() - t0


def _write_chunks(*, params, writer, summary, timings, progress, to_database: bool, feeds) -> None:
    categories = dict(Category.objects.values_list("code", "id")) if to_database else {}
    now = timezone.now()
    chunks = generate_chunks(params)
    if not to_database:
        writer.write("divisions", build_divisions(params))
    while True:
        t0 = time.perf_counter()
        chunk = next(chunks, None)
        timings.generate_s += time.perf_counter() - t0
        if chunk is None:
            break
        t0 = time.perf_counter()
        for name in ("households", "members", "incomes", "shocks", "ground_truth"):
            writer.write(name, getattr(chunk, name))
        summary.add(chunk)
        timings.parquet_s += time.perf_counter() - t0
        if feeds is not None:
            feeds.add(chunk)
        if to_database:
            t0 = time.perf_counter()
            _insert_chunk(chunk, categories=categories, now=now)
            timings.database_s += time.perf_counter() - t0
        if progress:
            progress(chunk.households.num_rows)


def _insert_chunk(chunk: CountyChunk, *, categories: dict[str, int], now: dt.datetime) -> None:
    hh = chunk.households
    n = hh.num_rows
    stamp = pa.array([now] * n, pa.timestamp("us", tz="UTC"))
    category_ids = pa.array(
        [categories.get(c) if c else None for c in hh["category_code"].to_pylist()], pa.int64()
    )
    bulk_insert(
        Household,
        pa.table(
            {
                "id": hh["household_id"],
                "number": hh["number"],
                "village_id": hh["village_code"],
                "address": hh["address"],
                "status": hh["status"],
                "category_id": category_ids,
                "risk_codes": hh["risk_codes"],
                "identified_on": hh["identified_on"],
                "eliminated_on": hh["eliminated_on"],
                "elimination_method": hh["elimination_method"],
                "is_formerly_poor": hh["is_formerly_poor"],
                "poverty_exit_year": hh["poverty_exit_year"],
                "housing_grade": hh["housing_grade"],
                "has_safe_water": hh["has_safe_water"],
                "created_at": stamp,
                "updated_at": stamp,
            }
        ),
    )
    m = chunk.members
    stored = [id_number_fields(x) for x in m["id_number"].to_pylist()]
    stamp = pa.array([now] * m.num_rows, pa.timestamp("us", tz="UTC"))
    bulk_insert(
        Member,
        pa.table(
            {
                "id": m["member_id"],
                "household_id": m["household_id"],
                "name": m["name"],
                "name_initials": m["name_initials"],
                **{
                    col: pa.array([s[col] for s in stored])
                    for col in ("id_number_encrypted", "id_number_hash", "id_number_masked")
                },
                "relation": m["relation"],
                "sex": m["sex"],
                "birth_date": m["birth_date"],
                "education": m["education"],
                "school_status": m["school_status"],
                "health": m["health"],
                "disability_grade": m["disability_grade"],
                "labour_skill": m["labour_skill"],
                "medical_insurance": m["medical_insurance"],
                "months_employed": m["months_employed"],
                "is_resident": m["is_resident"],
                "created_at": stamp,
                "updated_at": stamp,
            }
        ),
    )
    inc = chunk.incomes
    bulk_insert(
        IncomeRecord,
        pa.table(
            {
                "household_id": inc["household_id"],
                "period": inc["period"],
                "source": pa.array(["simulation"] * inc.num_rows, pa.string()),
                **{a: inc[a] for a in INCOME_COLUMNS},
                "recorded_at": pa.array([now] * inc.num_rows, pa.timestamp("us", tz="UTC")),
            }
        ),
    )


def sample_feeds_import(*, actor, paths: list[Path]) -> list:
    """Import the simulator's sample department files (`<source>_<YYYYMM>.<ext>`) as their departments would.

    The demo does this so that screening has feeds to read; a real county's files come through the upload page,
    the API or `fangpin import`.
    """
    results = []
    for path in sorted(paths):
        source = path.stem.rsplit("_", 1)[0]
        _, schema = feed_schema_active(source=source)
        results.append(feed_import(actor=actor, source=source, path=path, department=schema.department))
    return results
