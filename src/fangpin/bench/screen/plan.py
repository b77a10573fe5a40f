"""What the screening bench's steps share: the plan of one benchmarked county (its run month, the files a run
reads and which of their columns), the expression a run evaluates, and the run's hits per household and rule.

`python -m fangpin.bench.screen.plan prepare|run-info` are the bench's set-up and read-back steps (Django).
"""

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

SNAPSHOT_INPUTS = ("households", "members", "incomes")


@dataclass(frozen=True)
class Plan:
    """One benchmarked county as the run will see it. `inputs` maps an input's name (`households`, …,
    `feed_<source>`) to its Parquet files; `columns` to the columns of them the run's query reads."""

    as_of: str  # YYYY-MM-DD, the first day of the screened month
    snapshot_dir: str
    inputs: Mapping[str, list[str]]
    columns: Mapping[str, list[str]]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False))

    @classmethod
    def read(cls, path: Path) -> "Plan":
        return cls(**json.loads(path.read_text()))

    @property
    def month(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of)

    @property
    def feed_sources(self) -> dict[str, list[str]]:
        """{source: files} of every feed source the run looks at, with [] for a source without a file."""
        return {
            name.removeprefix("feed_"): files
            for name, files in self.inputs.items()
            if name.startswith("feed_")
        }


def read_parquet_sql(files: Iterable[str]) -> str:
    """The same reading of a set of Parquet files as the run's engine (screening.engine._parquet)."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"read_parquet([{listed}], union_by_name = true, hive_partitioning = false)"


def screening_expression(inputs, *, definition, as_of: dt.date, params: Mapping[str, float]) -> ir.Table:
    """What a screening run evaluates (screening.services._execute): the rule set's indicators, then its rules."""
    from fangpin.screening.indicators import indicator_table
    from fangpin.screening.rules import compile_rule_set
    from fangpin.screening.services import definition_indicators

    table = indicator_table(inputs, as_of=as_of, names=definition_indicators(definition))
    return compile_rule_set(definition, table, params=params)


def rule_hits(flagged: pa.Table, rule_codes: Iterable[str]) -> set[tuple[int, str]]:
    """(household, rule) for every rule that fired in a compiled rule set's output."""
    from fangpin.screening.rules import rule_column

    ids = flagged.column("household_id").to_pylist()
    hits: set[tuple[int, str]] = set()
    for code in rule_codes:
        fired = flagged.column(rule_column(code)).to_pylist()
        hits.update((household, code) for household, yes in zip(ids, fired, strict=True) if yes)
    return hits


def columns_read(backend, expr: ir.Table, tables: Mapping[str, str]) -> dict[str, list[str]]:
    """The columns DuckDB's plan for `expr` scans from each table (`tables`: table name → input name).

    Asked of the optimiser rather than worked out from the expression, so the floor reads exactly what the run
    reads after projection push-down; a table the plan does not scan (pruned as empty) falls back to the columns
    the expression names on it directly."""
    sql = str(ibis.to_sql(expr, dialect="duckdb"))
    plan = json.loads(backend.con.execute("EXPLAIN (FORMAT JSON) " + sql).fetchall()[0][1])
    found: dict[str, set[str]] = {}

    def walk(node: dict[str, Any]) -> None:
        info = node.get("extra_info") or {}
        table = str(info.get("Table", "")).rsplit(".", 1)[-1]
        if table in tables:
            schema = backend.table(table).columns
            cols = found.setdefault(tables[table], set())
            cols.update(info.get("Projections") or [])
            filters = info.get("Filters") or []
            text = " ".join([filters] if isinstance(filters, str) else filters)
            cols.update(c for c in schema if c in text)
        for child in node.get("children", []):
            walk(child)

    for node in plan:
        walk(node)
    pruned = {name for name in tables.values() if name not in found}
    for field in expr.op().find(ops.Field):
        rel = field.rel
        if isinstance(rel, ops.DatabaseTable) and tables.get(rel.name) in pruned:
            found.setdefault(tables[rel.name], set()).add(field.name)
    return {name: sorted(cols) for name, cols in sorted(found.items())}


# --- set-up and read-back steps, each run as its own process --------------------------------------------------


def prepare(*, feeds_dir: Path, as_of: dt.date, out: Path) -> Plan:
    """Import the simulator's department files, install the default rules, and write the plan."""
    from fangpin.registry.snapshot import current_snapshot_dir
    from fangpin.screening.inputs import ScreeningInputs, feed_files
    from fangpin.screening.models import RulePurpose, RuleSet, RuleSetStatus
    from fangpin.screening.rules import RuleSetDef
    from fangpin.screening.services import FEED_MONTHS, rule_set_install_default
    from fangpin.simulation.services import sample_feeds_import

    sample_feeds_import(actor="bench", paths=sorted(feeds_dir.iterdir()))
    rule_set_install_default(actor="bench")
    rule_set = RuleSet.objects.get(purpose=RulePurpose.SCREENING, status=RuleSetStatus.ACTIVE)
    definition = RuleSetDef.model_validate(rule_set.definition)
    snapshot = current_snapshot_dir()
    if snapshot is None:
        raise RuntimeError("the simulation wrote no registry snapshot")
    feeds = feed_files(as_of=as_of, months=FEED_MONTHS)
    inputs = {name: [str(snapshot / f"{name}.parquet")] for name in SNAPSHOT_INPUTS}
    inputs |= {f"feed_{source}": [str(p) for p in paths] for source, paths in feeds.files.items()}
    # A sample of every input in memory, so that the optimiser plans real scans (an empty table is pruned).
    backend = ibis.duckdb.connect()
    tables = {}
    for name, files in inputs.items():
        if files:
            backend.raw_sql(f"CREATE TABLE {name} AS SELECT * FROM {read_parquet_sql(files)} LIMIT 10000")
            tables[name] = backend.table(name)
    screening = ScreeningInputs(
        **{name: tables[name] for name in SNAPSHOT_INPUTS},
        feeds={source: tables.get(f"feed_{source}") for source in feeds.files},
    )
    expr = screening_expression(
        screening, definition=definition, as_of=as_of, params={"monitoring_line": 1.0}
    )
    plan = Plan(
        as_of=as_of.isoformat(),
        snapshot_dir=str(snapshot),
        inputs=inputs,
        columns=columns_read(backend, expr, {name: name for name in tables}),
    )
    plan.write(out)
    return plan


def run_info() -> list[dict[str, Any]]:
    """Every screening run as it recorded itself, oldest first."""
    from fangpin.screening.models import ScreeningRun

    return [
        {
            "run_id": run.pk,
            "status": run.status,
            "message": run.message,
            "duration_s": run.duration_s,
            "households": run.households,
            "hits": run.hits,
            "alerts_created": run.alerts_created,
            "alerts_refreshed": run.alerts_refreshed,
            "missing_months": run.missing_months,
        }
        for run in ScreeningRun.objects.order_by("pk")
    ]


def main(argv: list[str]) -> None:
    import django

    parser = argparse.ArgumentParser(prog="fangpin.bench.screen.plan")
    steps = parser.add_subparsers(dest="step", required=True)
    prep = steps.add_parser("prepare")
    prep.add_argument("--feeds-dir", type=Path, required=True)
    prep.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    prep.add_argument("--out", type=Path, required=True)
    steps.add_parser("run-info")
    args = parser.parse_args(argv)
    django.setup()
    if args.step == "prepare":
        prepare(feeds_dir=args.feeds_dir, as_of=args.as_of, out=args.out)
    else:
        sys.stdout.write(json.dumps(run_info()))


if __name__ == "__main__":
    main(sys.argv[1:])
