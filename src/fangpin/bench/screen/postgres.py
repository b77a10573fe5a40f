"""The same Ibis expressions executed by PostgreSQL (rules compiled to SQL over the OLTP server, as OpenSPP does):
every input the run reads is copied into a scratch database, then the expression runs there; its hits are checked
against DuckDB's. `python -m fangpin.bench.screen.postgres PLAN --admin-url URL` prints JSON; the database is dropped.
"""

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import ibis
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fangpin.bench.screen.plan import SNAPSHOT_INPUTS, Plan, read_parquet_sql, rule_hits, screening_expression

DATABASE = "fangpin_bench_screen_{pid}"  # one per process: two benches may run at once
WORK_MEM = "256MB"  # per sort or hash of the session; the server's 4 MB default would spill every group-by
COPY_ROWS = 200_000


def _pg_type(dtype: pa.DataType) -> str:
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_int8(dtype) or pa.types.is_int16(dtype):
        return "smallint"
    if pa.types.is_int32(dtype):
        return "integer"
    if pa.types.is_integer(dtype):
        return "bigint"
    if pa.types.is_floating(dtype):
        return "double precision"
    if pa.types.is_decimal(dtype):
        return f"numeric({dtype.precision}, {dtype.scale})"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_timestamp(dtype):
        return "timestamptz" if dtype.tz else "timestamp"
    if pa.types.is_list(dtype):
        return _pg_type(dtype.value_type) + "[]"
    return "text"


def _array_literal(values: pa.Array) -> pa.Array:
    """A list column as PostgreSQL array text: ["01", "02"] → {"01","02"}."""
    items = pc.list_flatten(values).cast(pa.string())
    items = pc.replace_substring(pc.replace_substring(items, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', items, '"', "")
    lists = pa.ListArray.from_arrays(values.offsets, quoted, mask=values.is_null())
    return pc.binary_join_element_wise("{", pc.binary_join(lists, ","), "}", "")


def _csv_batch(batch: pa.RecordBatch) -> bytes:
    columns = [_array_literal(col) if pa.types.is_list(col.type) else col for col in batch.columns]
    sink = pa.BufferOutputStream()
    pacsv.write_csv(
        pa.RecordBatch.from_arrays(columns, names=batch.schema.names),
        sink,
        pacsv.WriteOptions(include_header=False),
    )
    return sink.getvalue().to_pybytes()


def load(plan: Plan, url: str) -> dict[str, int]:
    """Copy every input the run reads into `url`'s database (CSV through COPY, in batches); rows per table."""
    rows: dict[str, int] = {}
    reader = duckdb.connect()
    with psycopg.connect(url, autocommit=True) as conn:
        for name, files in plan.inputs.items():
            if not files:
                continue
            batches = reader.execute(f"SELECT * FROM {read_parquet_sql(files)}").fetch_record_batch(COPY_ROWS)
            columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in batches.schema)
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            conn.execute(f'CREATE TABLE "{name}" ({columns})')
            rows[name] = 0
            with conn.cursor().copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy:
                for batch in batches:
                    copy.write(_csv_batch(batch))
                    rows[name] += batch.num_rows
        conn.execute("ANALYZE")
    return rows


def _inputs(plan: Plan, table):
    from fangpin.screening.inputs import ScreeningInputs

    return ScreeningInputs(
        **{name: table(name) for name in SNAPSHOT_INPUTS},
        feeds={
            source: table(f"feed_{source}") if files else None for source, files in plan.feed_sources.items()
        },
    )


def postgres_screen(plan: Plan, *, admin_url: str) -> dict[str, Any]:
    from fangpin.screening.models import ScreeningRun
    from fangpin.screening.rules import RuleSetDef

    run = ScreeningRun.objects.select_related("rule_set").order_by("-pk").first()
    definition = RuleSetDef.model_validate(run.rule_set.definition)
    params = {"monitoring_line": float(run.line_amount)}
    codes = [rule.code for rule in definition.rules]
    admin = admin_url.replace("postgres://", "postgresql://", 1)
    database = DATABASE.format(pid=os.getpid())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    url = admin.rsplit("/", 1)[0] + "/" + database
    try:
        began = time.perf_counter()
        rows = load(plan, url)
        load_s = time.perf_counter() - began
        con = ibis.connect(url)
        con.raw_sql(f"SET work_mem = '{WORK_MEM}'")
        began = time.perf_counter()
        expr = screening_expression(
            _inputs(plan, con.table), definition=definition, as_of=run.as_of, params=params
        )
        flagged = expr.to_pyarrow()
        postgres_s = time.perf_counter() - began
        con.disconnect()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    duck = ibis.duckdb.connect()

    def duck_table(name: str):
        files = plan.inputs[name]
        return duck.read_parquet(files, table_name=name, union_by_name=True, hive_partitioning=False)

    expected = screening_expression(
        _inputs(plan, duck_table), definition=definition, as_of=run.as_of, params=params
    )
    ours, theirs = rule_hits(flagged, codes), rule_hits(expected.to_pyarrow(), codes)
    return {
        "postgres_s": postgres_s,
        "load_s": load_s,
        "rows_loaded": rows,
        "work_mem": WORK_MEM,
        "flagged": flagged.num_rows,
        "parity": ours == theirs,
        "only_postgres": sorted(ours - theirs)[:20],
        "only_duckdb": sorted(theirs - ours)[:20],
    }


def main(argv: list[str]) -> None:
    import django

    parser = argparse.ArgumentParser(prog="fangpin.bench.screen.postgres")
    parser.add_argument("plan", type=Path)
    parser.add_argument("--admin-url", required=True)
    args = parser.parse_args(argv)
    django.setup()
    result = postgres_screen(Plan.read(args.plan), admin_url=args.admin_url)
    sys.stdout.write(
        json.dumps(result, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    )


if __name__ == "__main__":
    main(sys.argv[1:])
