"""The same compiled rules on PySpark (local mode) and DuckDB give the same households, flags and counts."""

import shutil

import ibis
import pyarrow.parquet as pq
import pytest

from fangpin.screening import engine
from fangpin.screening.models import Engine
from fangpin.screening.rules import compile_rule_set, dry_run_counts, load_rule_set
from tests.screening.test_rules_compile import ENGINE_CASES, HOUSEHOLDS, LINE, NULL_CASES
from tests.screening.test_rules_language import CATALOGUE

if shutil.which("java") is None:
    pytest.skip("PySpark needs a Java runtime, and none is installed", allow_module_level=True)


def _rule_set():
    """Every condition of the DuckDB tests as one rule each, so Spark starts once for all of them."""
    rules = "\n".join(
        f"""  - code: c{i}
    name: {{zh: 甲, en: A}}
    when: "{when}"
    risk_codes: ["99"]
    level: yellow
    explain: {{zh: 甲, en: A}}"""
        for i, (when, _expected) in enumerate(NULL_CASES + ENGINE_CASES)
    )
    return load_rule_set(f"rules:\n{rules}\n", catalogue=CATALOGUE)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "households.parquet"
    pq.write_table(HOUSEHOLDS, path)
    spark = engine.connect(Engine.SPARK)
    spark._session.read.parquet(str(path)).createOrReplaceTempView("rules_households")
    duck = ibis.duckdb.connect()
    return duck.read_parquet(str(path)), spark.table("rules_households")


def test_pyspark_flags_the_same_households_as_duckdb(tables):
    duck, spark = tables
    rule_set = _rule_set()
    results = [
        compile_rule_set(rule_set, t, params=LINE).order_by("household_id").to_pyarrow().to_pylist()
        for t in (duck, spark)
    ]
    assert results[0] == results[1]
    for i, (when, expected) in enumerate(NULL_CASES + ENGINE_CASES):
        assert [row["household_id"] for row in results[1] if row[f"rule_c{i}"]] == expected, when


def test_pyspark_counts_the_dry_run_like_duckdb(tables):
    rule_set = _rule_set()
    duck, spark = (dry_run_counts(rule_set, t, params=LINE).to_pyarrow().to_pylist() for t in tables)
    assert duck == spark
    assert [row["households"] for row in spark] == [3, 3]
