"""A run's flagged rows become one hit per household and risk type, with evidence as JSON text."""

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa

from fangpin.alerts.services import HIT_SCHEMA
from fangpin.screening.hits import hits_table
from fangpin.screening.rules import load_rule_set

RULES = """
parameters: {stay: 10000}
rules:
  - code: oop_year
    name: {zh: 医疗自付过高, en: High medical costs}
    when: medical_oop_12m > 20000
    risk_codes: ["01"]
    level: orange
    explain: {zh: "医疗自付 {medical_oop_12m:yuan} 元", en: "Medical costs {medical_oop_12m:yuan} yuan"}
  - code: 2_oop_stay
    name: {zh: 单次住院自付过高, en: High cost of one stay}
    when: medical_oop_max_stay > stay
    risk_codes: ["01", "99"]
    level: red
    explain: {zh: "单次住院自付 {medical_oop_max_stay:yuan} 元，超过 {stay:yuan} 元", en: "One stay {medical_oop_max_stay:yuan} yuan"}
  - code: dropout
    name: {zh: 辍学, en: Dropout}
    when: children_out_of_school > 0
    risk_codes: ["09"]
    level: yellow
    explain: {zh: 有适龄儿童失学, en: A child is out of school}
"""


def _flagged() -> pa.Table:
    return pa.table(
        {
            "household_id": pa.array([7, 8], pa.int64()),
            "village_code": ["450102001001", "450102001002"],
            "township_code": ["450102001", "450102001"],
            "medical_oop_12m": [23400.123456, None],
            "medical_oop_max_stay": [12000.0, 3000.0],
            "children_out_of_school": [0, 1],
            "last_stay": [dt.date(2026, 9, 3), None],
            "rule_oop_year": [True, False],
            "rule_2_oop_stay": [True, False],
            "rule_dropout": [False, True],
        }
    )


def test_one_hit_per_household_and_risk_type_at_the_highest_level_with_every_rule_behind_it():
    definition = load_rule_set(RULES)
    hits = hits_table(
        definition,
        _flagged(),
        rule_set_id=3,
        sources={"health": [1, 2], "education_dropout": [4], "housing": [5]},
        line=Decimal("6000.00"),
    )
    assert hits.schema.equals(HIT_SCHEMA)
    rows = {(r["household_id"], r["risk_code"]): r for r in hits.to_pylist()}
    assert sorted(rows) == [(7, "01"), (7, "99"), (8, "09")]
    assert rows[7, "01"]["level"] == "red"  # orange and red rules fired for 01: the higher wins
    assert rows[7, "01"]["village_code"] == "450102001001"
    evidence = json.loads(rows[7, "01"]["evidence"])
    assert evidence == {
        "rule_set": 3,
        # In the rule set's order, each with the values its explanation names, floats to four places.
        "rules": [
            {"rule": "oop_year", "values": {"medical_oop_12m": 23400.1235}},
            {"rule": "2_oop_stay", "values": {"medical_oop_max_stay": 12000.0}},
        ],
        "sources": {"health": [1, 2]},
        "line": "6000.00",
    }
    assert json.loads(rows[7, "99"]["evidence"])["rules"] == [
        {"rule": "2_oop_stay", "values": {"medical_oop_max_stay": 12000.0}}
    ]
    # A rule whose explanation names no indicator keeps an empty set of values; each alert names the batches of
    # the inputs its rules read (the school file for a dropout, the hospital file for medical costs).
    dropout = json.loads(rows[8, "09"]["evidence"])
    assert dropout["rules"] == [{"rule": "dropout", "values": {}}]
    assert dropout["sources"] == {"education_dropout": [4]}
    assert rows[8, "09"]["level"] == "yellow"


def test_no_flagged_rows_give_an_empty_table_of_the_same_shape():
    definition = load_rule_set(RULES)
    empty = _flagged().slice(0, 0)
    hits = hits_table(definition, empty, rule_set_id=3, sources={}, line=Decimal("6000.00"))
    assert hits.num_rows == 0 and hits.schema.equals(HIT_SCHEMA)
