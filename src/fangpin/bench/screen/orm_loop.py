"""The household-by-household way, for comparison: each sampled household's rows fetched through the ORM, the same
indicators and rules evaluated on them alone, and the hits checked against what the batch run raised.

Feed rows are not in the OLTP database; they are filtered per household from the feed tables held in memory
(pyarrow), which flatters the loop. `python -m fangpin.bench.screen.orm_loop PLAN --sample N --seed S` prints JSON.
"""

import argparse
import json
import random
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fangpin.bench.screen.plan import Plan, read_parquet_sql, rule_hits, screening_expression


def _tables_of(household_id: int, schemas: Mapping[str, pa.Schema]) -> dict[str, pa.Table]:
    """The household's registry rows through the ORM, shaped like the snapshot (registry.snapshot's mappings)."""
    from fangpin.registry.models import Household, IncomeRecord, Member
    from fangpin.registry.selectors import SOURCE_PRIORITY
    from fangpin.registry.snapshot import HOUSEHOLD_FIELDS, INCOME_AMOUNTS, MEMBER_FIELDS

    household = Household.objects.filter(pk=household_id).values_list(
        *(f for f, _ in HOUSEHOLD_FIELDS.values())
    )
    members = (
        Member.objects.filter(household_id=household_id)
        .order_by("id")
        .values_list(*(f for f, _ in MEMBER_FIELDS.values()))
    )
    best: dict[Any, tuple] = {}  # one record per month, the preferred source's (registry.selectors)
    records = IncomeRecord.objects.filter(household_id=household_id).values_list(
        "period", "source", *INCOME_AMOUNTS
    )
    for period, _source, *amounts in sorted(records, key=lambda r: SOURCE_PRIORITY.index(r[1]), reverse=True):
        best[period] = (household_id, period, *(float(a) if a is not None else None for a in amounts))
    incomes = [best[p] for p in sorted(best)]
    return {
        "households": _table(list(household), schemas["households"]),
        "members": _table(list(members), schemas["members"]),
        "incomes": _table(incomes, schemas["incomes"]),
    }


def _table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    return pa.table({f.name: pa.array(values, f.type) for f, values in zip(schema, columns, strict=True)})


def _feed_rows(
    feeds: Mapping[str, pa.Table | None], household_id: int, village: str
) -> dict[str, pa.Table | None]:
    rows: dict[str, pa.Table | None] = {}
    for source, table in feeds.items():
        if table is None:
            rows[source] = None
            continue
        mine = pc.equal(table["household_id"], household_id)
        if source == "disaster":  # whole-village reports count for every household of the village
            mine = pc.or_kleene(
                mine, pc.and_(pc.is_null(table["household_id"]), pc.equal(table["village_code"], village))
            )
        rows[source] = table.filter(mine)
    return rows


def orm_loop(plan: Plan, *, sample: int, seed: int) -> dict[str, Any]:
    from fangpin.registry.models import Household
    from fangpin.screening.inputs import ScreeningInputs
    from fangpin.screening.models import ScreeningRun
    from fangpin.screening.rules import RuleSetDef

    run = ScreeningRun.objects.select_related("rule_set").order_by("-pk").first()
    definition = RuleSetDef.model_validate(run.rule_set.definition)
    params = {"monitoring_line": float(run.line_amount)}
    codes = [rule.code for rule in definition.rules]
    schemas = {name: _snapshot_schema(plan, name) for name in ("households", "members", "incomes")}
    # The feed tables are read once, before the clock starts, the same way the run reads them.
    reader = duckdb.connect()
    feeds = {
        source: reader.execute(f"SELECT * FROM {read_parquet_sql(files)}").fetch_arrow_table()
        if files
        else None
        for source, files in plan.feed_sources.items()
    }
    ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    chosen = sorted(random.Random(seed).sample(ids, min(sample, len(ids))))
    # The rules are compiled once, over tables of the right shape; each household's rows then take their place.
    con = duckdb.connect(config={"threads": 1})
    for name, schema in schemas.items():
        con.register(name, schema.empty_table())
    for source, table in feeds.items():
        if table is not None:
            con.register(f"feed_{source}", table.schema.empty_table())
    backend = ibis.duckdb.from_connection(con)
    shapes = ScreeningInputs(
        **{name: backend.table(name) for name in schemas},
        feeds={s: None if t is None else backend.table(f"feed_{s}") for s, t in feeds.items()},
    )
    expr = screening_expression(shapes, definition=definition, as_of=run.as_of, params=params)
    sql = str(ibis.to_sql(expr, dialect="duckdb"))
    hits: set[tuple[int, str]] = set()
    start = time.perf_counter()
    for household_id in chosen:
        tables = _tables_of(household_id, schemas)
        village = tables["households"]["village_code"][0].as_py()
        tables |= {
            f"feed_{s}": t for s, t in _feed_rows(feeds, household_id, village).items() if t is not None
        }
        for name, table in tables.items():
            con.register(name, table)
        hits |= rule_hits(con.execute(sql).fetch_arrow_table(), codes)
    elapsed = time.perf_counter() - start
    batch = _batch_hits(chosen)
    return {
        "orm_s": elapsed,
        "households": len(chosen),
        "per_household_ms": 1000 * elapsed / max(len(chosen), 1),
        "compiled": "once, before the loop; each household's rows are registered in its place and the SQL run",
        "hits": len(hits),
        "flagged_households": len({h for h, _ in hits}),
        "parity": hits == batch,
        "only_orm": sorted(hits - batch)[:20],
        "only_batch": sorted(batch - hits)[:20],
    }


def _snapshot_schema(plan: Plan, name: str) -> pa.Schema:
    """The snapshot's column types, in the order of the ORM field mappings that `_tables_of` fetches."""
    from fangpin.registry.snapshot import HOUSEHOLD_FIELDS, INCOME_AMOUNTS, MEMBER_FIELDS

    stored = pq.read_schema(Path(plan.snapshot_dir) / f"{name}.parquet")
    names = {
        "households": list(HOUSEHOLD_FIELDS),
        "members": list(MEMBER_FIELDS),
        "incomes": ["household_id", "period", *INCOME_AMOUNTS],
    }[name]
    return pa.schema([stored.field(n) for n in names])


def _batch_hits(household_ids: list[int]) -> set[tuple[int, str]]:
    """(household, rule) of the open alerts the batch runs raised or refreshed for these households (their
    evidence); an alert pushed by a department before the run carries the run's evidence once refreshed."""
    from fangpin.alerts.models import OPEN_STATUSES, Alert

    alerts = Alert.objects.filter(
        run__isnull=False, status__in=OPEN_STATUSES, household_id__in=household_ids
    ).values_list("household_id", "evidence")
    return {
        (household, rule["rule"])
        for household, evidence in alerts
        for rule in (evidence or {}).get("rules", [])
    }


def main(argv: list[str]) -> None:
    import django

    parser = argparse.ArgumentParser(prog="fangpin.bench.screen.orm_loop")
    parser.add_argument("plan", type=Path)
    parser.add_argument("--sample", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args(argv)
    django.setup()
    sys.stdout.write(json.dumps(orm_loop(Plan.read(args.plan), sample=args.sample, seed=args.seed)))


if __name__ == "__main__":
    main(sys.argv[1:])
