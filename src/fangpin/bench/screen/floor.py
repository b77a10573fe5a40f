"""The floor of a screening run: one DuckDB scan of every input the run reads, each file once, the columns the
run's plan reads hashed row by row (a hash forces every value to be decoded; a bare count(*) reads metadata only).

`python -m fangpin.bench.screen.floor PLAN` prints {"floor_s", "inputs": {name: {"rows", "columns", "s"}}}.
"""

import json
import os
import sys
import time
from pathlib import Path

import duckdb

from fangpin.bench.screen.plan import Plan, read_parquet_sql


def floor(plan: Plan) -> dict:
    start = time.perf_counter()
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    inputs = {}
    for name, files in plan.inputs.items():
        if not files:
            continue
        columns = plan.columns.get(name) or []
        began = time.perf_counter()
        hashed = f", bit_xor(hash({', '.join(_quoted(c) for c in columns)}))" if columns else ""
        rows = con.execute(f"SELECT count(*){hashed} FROM {read_parquet_sql(files)}").fetchone()[0]
        inputs[name] = {
            "rows": rows,
            "files": len(files),
            "columns": columns,
            "s": time.perf_counter() - began,
        }
    return {"floor_s": time.perf_counter() - start, "inputs": inputs}


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


if __name__ == "__main__":
    sys.stdout.write(json.dumps(floor(Plan.read(Path(sys.argv[1])))))
