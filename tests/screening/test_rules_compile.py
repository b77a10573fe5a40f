"""Rule sets compiled to Ibis and run on DuckDB: who is flagged, the evidence, missing values, and the dry run."""

from decimal import Decimal

import ibis
import pyarrow as pa
import pytest

from fangpin.screening.rules import (
    RuleSetInvalid,
    compile_rule_set,
    dry_run_counts,
    load_rule_set,
    rule_column,
    rule_values,
)
from tests.screening.test_rules_language import CATALOGUE, GOOD

LINE = {"monitoring_line": 6000}

# One row per household, as the indicators' wide table has them; None is "no data".
HOUSEHOLDS = pa.table(
    {
        "household_id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
        "village_code": ["450123100201"] * 3 + ["450123101201"] * 3,
        "township_code": ["450123100000"] * 3 + ["450123101000"] * 3,
        "income_pc_12m": pa.array([9000.0, 5000.0, 9000.0, None, 8000.0, None]),
        "income_pc_change_yoy": pa.array([0.1, 0.0, 0.1, None, -0.35, -0.5]),
        "medical_oop_12m": pa.array(
            [Decimal("23400.00"), Decimal(0), Decimal("100.50"), None, Decimal(0), Decimal(0)],
            pa.decimal128(12, 2),
        ),
        "medical_oop_max_stay": pa.array([9000.0, 0.0, 0.0, None, 0.0, 0.0]),
        "housing_grade": ["A", "C", "B", None, "D", "A"],
        "housing_unsafe": pa.array([False, True, False, None, True, False]),
        "is_monitored": pa.array([True, False, False, None, False, False]),
    }
)


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def table():
    return ibis.memtable(HOUSEHOLDS)


def _rule_set(when: str, *, parameters: str = "{}"):
    text = f"""
parameters: {parameters}
rules:
  - code: r
    name: {{zh: 甲, en: A}}
    when: "{when}"
    risk_codes: ["99"]
    level: yellow
    explain: {{zh: 甲, en: A}}
"""
    return load_rule_set(text, catalogue=CATALOGUE)


def _fired(con, table, when: str, **params) -> list[int]:
    result = con.to_pyarrow(compile_rule_set(_rule_set(when), table, params={**LINE, **params}))
    return sorted(result["household_id"].to_pylist())


def test_the_compiled_rule_set_keeps_the_flagged_households_with_one_column_per_rule_and_the_evidence(
    con, table
):
    rule_set = load_rule_set(GOOD, catalogue=CATALOGUE)
    result = con.to_pyarrow(compile_rule_set(rule_set, table, params=LINE).order_by("household_id"))
    assert result.column_names == [
        "household_id",
        "village_code",
        "township_code",
        "medical_oop_12m",
        "income_pc_12m",
        "income_pc_change_yoy",
        "rule_medical",
        "rule_low_income",
    ]
    assert result["household_id"].to_pylist() == [1, 2, 5, 6]
    assert result["rule_medical"].to_pylist() == [True, False, False, False]
    # Household 6 has no income figure, but its fall of 50 % is enough: `or` does not need both sides.
    assert result["rule_low_income"].to_pylist() == [False, True, True, True]
    assert result["medical_oop_12m"].to_pylist()[0] == Decimal("23400.00")
    assert result["township_code"].to_pylist() == ["450123100000"] * 2 + ["450123101000"] * 2


def test_the_run_time_monitoring_line_decides_who_is_below_it(con, table):
    assert _fired(con, table, "income_pc_12m < monitoring_line") == [2]
    assert _fired(con, table, "income_pc_12m < monitoring_line", monitoring_line=Decimal("8700.00")) == [2, 5]


def test_a_run_time_value_may_override_a_parameter_for_a_what_if(con, table):
    rule_set = load_rule_set(GOOD, catalogue=CATALOGUE)
    result = con.to_pyarrow(compile_rule_set(rule_set, table, params={**LINE, "medical_oop_year": 50}))
    assert sorted(row["household_id"] for row in result.to_pylist() if row["rule_medical"]) == [1, 3]
    assert rule_values(rule_set, LINE) == {"medical_oop_year": 20000, "drop": 0.3, "monitoring_line": 6000}


NULL_CASES = [
    # A comparison with a missing value never fires, negated or not: household 4 has no data at all.
    ("medical_oop_12m > 1000", [1]),
    ("not (medical_oop_12m > 1000)", [2, 3, 5, 6]),
    ("medical_oop_12m != 0", [1, 3]),
    ("housing_grade not in ['A', 'B']", [2, 5]),
    ("not housing_unsafe", [1, 3, 6]),
    ("housing_unsafe == False", [1, 3, 6]),
    # Missing data is tested for explicitly.
    ("missing(housing_grade)", [4]),
    ("missing(income_pc_12m) and not missing(income_pc_change_yoy)", [6]),
    ("coalesce(income_pc_12m, 0) < monitoring_line", [2, 4, 6]),
    # `and` with a false side is false, `or` with a true side is true, whatever the other side.
    ("housing_unsafe or income_pc_12m > 8500", [1, 2, 3, 5]),
    ("is_monitored and medical_oop_max_stay > 6000 or medical_oop_max_stay > 10000", [1]),
]


@pytest.mark.parametrize(("when", "expected"), NULL_CASES)
def test_missing_values_never_make_a_rule_fire_unless_it_asks_for_them(con, table, when, expected):
    assert _fired(con, table, when) == expected


ENGINE_CASES = [
    ("housing_grade in ['C', 'D']", [2, 5]),
    ("housing_grade >= 'C'", [2, 5]),
    ("0 < medical_oop_12m <= 20000", [3]),
    ("medical_oop_12m / income_pc_12m > 2", [1]),
    # Dividing by zero gives a missing value, so the rule stays silent instead of failing the run.
    ("income_pc_12m / medical_oop_max_stay > 0", [1]),
    ("income_pc_change_yoy * 100 < -30 and abs(income_pc_change_yoy) > 0.3", [5, 6]),
    ("-income_pc_change_yoy >= 0.35", [5, 6]),
    ("housing_unsafe == true and True", [2, 5]),
    ("medical_oop_12m + 1 - 1 > 23399.5", [1]),
]


@pytest.mark.parametrize(("when", "expected"), ENGINE_CASES)
def test_comparisons_lists_and_arithmetic_work_on_the_engine(con, table, when, expected):
    assert _fired(con, table, when) == expected


def test_a_condition_that_fires_for_nobody_gives_an_empty_table(con, table):
    assert _fired(con, table, "income_pc_12m < 0") == []


def test_a_run_without_the_monitoring_line_is_refused_naming_it(table):
    with pytest.raises(RuleSetInvalid) as caught:
        compile_rule_set(_rule_set("income_pc_12m < monitoring_line"), table, params={})
    assert [(p.rule, p.word, p.message) for p in caught.value.problems] == [
        ("r", "monitoring_line", "the run did not supply a value for “monitoring_line”")
    ]


def test_a_table_whose_column_has_another_kind_than_the_catalogue_said_is_refused(table):
    other = table.mutate(housing_unsafe=ibis.literal(1))
    with pytest.raises(RuleSetInvalid) as caught:
        compile_rule_set(_rule_set("not housing_unsafe"), other, params=LINE)
    assert caught.value.problems[0].message == "“not” needs a condition; housing_unsafe is a number"


def test_the_dry_run_counts_per_township_the_households_each_rule_would_flag(con, table):
    rule_set = load_rule_set(GOOD, catalogue=CATALOGUE)
    result = con.to_pyarrow(dry_run_counts(rule_set, table, params=LINE))
    assert result.to_pylist() == [
        {
            "township_code": "450123100000",
            "households": 3,
            "flagged": 2,
            rule_column("medical"): 1,
            rule_column("low_income"): 1,
        },
        {
            "township_code": "450123101000",
            "households": 3,
            "flagged": 2,
            rule_column("medical"): 0,
            rule_column("low_income"): 2,
        },
    ]
