"""The default rule set (DESIGN.md §3's triggers) against the real indicator registry, run on DuckDB."""

import ibis
import pyarrow as pa
import pytest

from fangpin.screening.indicators.base import REGISTRY, Kind
from fangpin.screening.rules import (
    RISK_CODES,
    compile_rule_set,
    explain,
    load_rule_set,
    rule_column,
    rule_values,
    screening_catalogue,
)
from fangpin.screening.rules.loader import default_rule_set_source
from fangpin.screening.rules.templates import placeholders

LINE = {"monitoring_line": 6000}

# A household no default rule flags; each case below changes it in one way and names the one rule that fires.
BASELINE = {
    "income_pc_12m": 12000.0,
    "income_pc_change_yoy": 0.05,
    "medical_oop_12m": 3000.0,
    "medical_oop_max_stay": 2000.0,
    "education_cost_12m": 2000.0,
    "children_out_of_school": 0,
    "members_uninsured": 0,
    "housing_grade": "B",
    "housing_unsafe": False,
    "water_unsafe": False,
    "has_disabled_member": False,
    "earner_died_or_injured": False,
    "disaster_loss_ratio": 0.0,
    "relief_newly_granted": False,
    "job_loss_or_unpaid_wages": 0,
    "labour_count": 2,
    "dependency_ratio": 0.5,
    "microcredit_arrears": 0,
    "is_monitored": False,
    "is_formerly_poor": True,
    "resident_members": 4,
}
CASES = [
    ({}, set()),
    ({"income_pc_12m": 5800.0}, {"income_below_line"}),
    ({"medical_oop_12m": 23400.0}, {"medical_oop_year"}),
    ({"medical_oop_max_stay": 7000.0, "is_monitored": True}, {"medical_oop_stay"}),
    ({"medical_oop_max_stay": 7000.0}, set()),  # not monitored: the threshold is 10,000
    ({"medical_oop_max_stay": 10500.0, "is_monitored": None}, {"medical_oop_stay"}),
    ({"education_cost_12m": 6500.0}, {"education_cost"}),
    ({"income_pc_change_yoy": -0.35}, {"income_drop"}),
    ({"income_pc_change_yoy": -0.3}, set()),  # exactly 30 % is not more than 30 %
    ({"disaster_loss_ratio": 0.6}, {"disaster_loss"}),
    ({"earner_died_or_injured": True, "labour_count": 1}, {"earner_lost"}),
    ({"relief_newly_granted": True}, {"relief_granted"}),
    ({"children_out_of_school": 1}, {"children_out_of_school"}),
    ({"members_uninsured": 2}, {"members_uninsured"}),
    ({"housing_unsafe": True, "housing_grade": "D"}, {"housing_unsafe"}),
    ({"water_unsafe": True}, {"water_unsafe"}),
    ({"job_loss_or_unpaid_wages": 1}, {"job_loss"}),
    ({"microcredit_arrears": 3200}, {"microcredit_arrears"}),
    # A household the feeds know nothing about is not flagged for what it might have.
    ({name: None for name in BASELINE}, set()),
]


@pytest.fixture(scope="module")
def default_rules():
    if not REGISTRY:
        pytest.skip("no indicator is registered yet, so the default rules cannot be checked against them")
    return load_rule_set(default_rule_set_source(), catalogue=screening_catalogue())


def _table() -> ibis.Table:
    types = {Kind.NUMBER: pa.float64(), Kind.BOOLEAN: pa.bool_(), Kind.TEXT: pa.string()}
    rows = [BASELINE | change for change, _fires in CASES]
    columns = {
        "household_id": pa.array(range(1, len(rows) + 1), pa.int64()),
        "village_code": ["450123100201"] * len(rows),
        "township_code": ["450123100000"] * len(rows),
    }
    for name, indicator in REGISTRY.items():
        columns[name] = pa.array([row.get(name) for row in rows], types[indicator.kind])
    return ibis.memtable(pa.table(columns))


def test_the_default_rule_set_is_valid_against_the_registered_indicators(default_rules):
    assert len(default_rules.rules) >= 14
    assert all(set(rule.risk_codes) <= RISK_CODES for rule in default_rules.rules)
    every_name = {
        n for r in default_rules.rules for n in placeholders(r.explain.zh) + placeholders(r.explain.en)
    }
    assert every_name <= set(REGISTRY) | set(default_rules.parameters) | {"monitoring_line"}


def test_each_trigger_of_design_section_3_flags_its_household_and_nothing_else(default_rules):
    result = ibis.duckdb.connect().to_pyarrow(compile_rule_set(default_rules, _table(), params=LINE))
    fired = {
        row["household_id"]: {r.code for r in default_rules.rules if row[rule_column(r.code)]}
        for row in result.to_pylist()
    }
    expected = {i: fires for i, (_change, fires) in enumerate(CASES, start=1) if fires}
    assert fired == expected


def test_every_default_explanation_renders_in_both_languages_from_the_evidence(default_rules):
    result = ibis.duckdb.connect().to_pyarrow(compile_rule_set(default_rules, _table(), params=LINE))
    numbers = rule_values(default_rules, LINE)
    rendered = {}
    for row in result.to_pylist():
        for rule in default_rules.rules:
            if row[rule_column(rule.code)]:
                values = row | numbers
                rendered[rule.code] = (
                    explain(rule, values, language="zh"),
                    explain(rule, values, language="en"),
                )
    assert set(rendered) == {r.code for r in default_rules.rules}
    assert rendered["medical_oop_year"] == (
        "近12个月医疗自付 23,400 元，超过 20,000 元",
        "Medical costs paid out of pocket over the last 12 months were 23,400 yuan, more than 20,000 yuan",
    )
    assert rendered["income_drop"][0] == "家庭人均纯收入同比变化 -35%，降幅超过 30%"
    assert rendered["housing_unsafe"][0] == "住房安全性鉴定为 D 级危房，住房安全保障未落实"
    assert rendered["microcredit_arrears"] == (
        "脱贫人口小额信贷逾期 3,200 元，生产经营可能出现困难",
        "3,200 yuan of microcredit is overdue; the household's business may be failing",
    )
    assert rendered["earner_lost"][0] == "家庭主要劳动力死亡或重伤致残，家中现有劳动力 1 人"
