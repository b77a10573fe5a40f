"""`fangpin bench import`: a 1,000,000-row GBK medical-claims CSV through the whole import (decode, validate,
hash, match, store, batch records) against the floor of PyArrow reading the same file into memory. Each run
is its own process, so peak RSS is that run's own."""

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fangpin.bench.process import run_measured
from fangpin.simulation.generate import SimulationParams, generate_chunks

FLOOR = """
import sys, time, pyarrow.csv as c
t = time.perf_counter()
table = c.read_csv(sys.argv[1], read_options=c.ReadOptions(encoding="gb18030", skip_rows=1))
print(time.perf_counter() - t, table.num_rows)
"""

HEADERS = [
    "身份证号码",
    "患者姓名",
    "医疗机构名称",
    "入院日期",
    "出院日期",
    "结算日期",
    "总费用",
    "统筹支付",
    "个人自付",
]


def write_claims_csv(path: Path, *, rows: int, params: SimulationParams, seed: int) -> None:
    """Hospital stays of the county's own members (about 1 % with a mistyped ID), GBK, with a title row."""
    members = pa.concat_tables(
        chunk.members.select(["id_number", "name"]) for chunk in generate_chunks(params)
    )
    rng = np.random.default_rng(seed)
    pick = pa.array(rng.integers(0, members.num_rows, rows))
    ids = pc.take(members["id_number"], pick)
    broken = rng.random(rows) < 0.01  # a mistyped last digit: the check digit no longer fits
    ids = pc.if_else(
        pa.array(broken), pc.binary_join_element_wise(pc.utf8_slice_codeunits(ids, 0, 17), "0", ""), ids
    )
    # Stays spread over the year and five hospitals, so that repeated (person, date, hospital) keys are rare.
    day = rng.integers(0, 300, rows)
    admission = pc.strftime(
        pa.array(np.datetime64("2026-01-01") + day.astype("timedelta64[D]")), format="%Y-%m-%d"
    )
    hospital = pc.take(
        pa.array(["县人民医院", "县中医院", "市第一人民医院", "乡镇卫生院", "县妇幼保健院"]),
        pa.array(rng.integers(0, 5, rows)),
    )
    total = np.round(rng.gamma(2.0, 4000.0, rows), 2)
    reimbursed = np.round(total * rng.uniform(0.5, 0.85, rows), 2)
    table = pa.table(
        {
            HEADERS[0]: ids,
            HEADERS[1]: pc.take(members["name"], pick),
            HEADERS[2]: hospital,
            HEADERS[3]: admission,
            HEADERS[4]: admission,
            HEADERS[5]: admission,
            HEADERS[6]: total,
            HEADERS[7]: reimbursed,
            HEADERS[8]: np.round(total - reimbursed, 2),
        }
    )
    utf8 = pa.BufferOutputStream()
    pacsv.write_csv(table, utf8, pacsv.WriteOptions(quoting_style="none"))
    with path.open("wb") as f:
        f.write("住院结算明细（模拟）\n".encode("gb18030"))
        f.write(utf8.getvalue().to_pybytes().decode().encode("gb18030"))


def bench_import(*, rows: int, households: int, seed: int) -> tuple[dict, dict, dict]:
    with tempfile.TemporaryDirectory(prefix="fangpin-bench-import-") as tmp:
        tmp_path = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "FANGPIN_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "fangpin.config.settings.base",
        }
        fangpin = [sys.executable, "-m", "fangpin.cli.main"]
        run_measured(
            [*fangpin, "simulate", "--households", str(households), "--seed", str(seed), "--verbosity", "0"],
            env=env,
            label="simulate",
        )
        csv_path = tmp_path / "claims.csv"
        # Written by a child process: a forked child's peak RSS counts the parent's memory at the fork, so
        # the bench process itself must stay small for the measured runs' figures to be their own.
        run_measured(
            [sys.executable, "-c", _WRITE_CSV, str(csv_path), str(rows), str(households), str(seed)],
            env=env,
            label="write the claims file",
        )
        file_mb = round(csv_path.stat().st_size / 1e6, 1)
        floor = run_measured([sys.executable, "-c", FLOOR, str(csv_path)], env=env, label="floor")
        floor_s = float(floor.stdout.split()[0])
        imported = run_measured(
            [*fangpin, "import", "health", str(csv_path), "--department", "卫健"], env=env, label="import"
        )
        stats = json.loads(
            run_measured(
                [*fangpin, "shell", "-v", "0", "-c", _BATCH_STATS], env=env, label="batch stats"
            ).stdout
        )
    import_s = stats.pop("duration_s")
    results: dict[str, Any] = {
        "rows_per_s": round(rows / import_s),
        "import_s": round(import_s, 3),
        "import_wall_s": round(imported.wall_s, 3),
        "floor_s": round(floor_s, 3),
        "peak_rss_mb": round(imported.peak_rss_mb, 1),
        "floor_peak_rss_mb": round(floor.peak_rss_mb, 1),
        "file_mb": file_mb,
        **stats,
    }
    ratios = {"import_over_floor": import_s / floor_s}
    return {"rows": rows, "households": households, "seed": seed, "encoding": "gb18030"}, results, ratios


_WRITE_CSV = """
import sys, django
from pathlib import Path
django.setup()
from fangpin.bench.imports import write_claims_csv
from fangpin.simulation.generate import SimulationParams
path, rows, households, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
write_claims_csv(path, rows=rows, params=SimulationParams(households=households, seed=seed), seed=seed)
"""

_BATCH_STATS = """
import json
from fangpin.feeds.models import FeedBatch
b = FeedBatch.objects.get()
print(json.dumps({"duration_s": b.duration_s, "rows_valid": b.rows_valid, "rows_invalid": b.rows_invalid,
                  "rows_matched": b.rows_matched, "rows_unmatched": b.rows_unmatched}))
"""
