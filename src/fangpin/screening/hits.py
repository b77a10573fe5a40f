"""A run's flagged rows → one hit per household and risk type, with its evidence as JSON text.

The flagged rows come back from the engine (DuckDB or PySpark) as Arrow: a few per cent of a county, 100,000
rows at a million households. Turning them into evidence row by row in Python cost more than the whole engine
run, so one DuckDB query over the Arrow table does it, whichever engine produced the rows.

Evidence keeps values, not sentences: the rule set version and, per rule, the indicator values its explanation
names. The page renders the sentence in the reader's language from that version's templates
(alerts.evidence), so 100,000 alerts do not each carry two copies of the same text.
"""

import json
from collections.abc import Mapping
from decimal import Decimal

import duckdb
import pyarrow as pa

from fangpin.alerts.models import LEVEL_RANK
from fangpin.alerts.services import HIT_SCHEMA
from fangpin.screening.rules.compiler import rule_column
from fangpin.screening.rules.definition import RuleSetDef
from fangpin.screening.rules.templates import placeholders


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _name(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _value(column: str, dtype: pa.DataType) -> str:
    # Evidence holds floats to four places (what a cadre can read, and stable across engines); dates as ISO text.
    if pa.types.is_floating(dtype):
        return f"round({_name(column)}, 4)"
    return _name(column)


def explained_columns(definition: RuleSetDef, columns: list[str]) -> dict[str, list[str]]:
    """{rule code: the columns its explanations name}, the values a rule's evidence keeps."""
    out = {}
    for rule in definition.rules:
        named = dict.fromkeys([*placeholders(rule.explain.zh), *placeholders(rule.explain.en)])
        out[rule.code] = [n for n in named if n in columns]
    return out


def hits_table(
    definition: RuleSetDef,
    flagged: pa.Table,
    *,
    rule_set_id: int,
    sources: Mapping[str, list[int]],
    line: Decimal,
) -> pa.Table:
    """One row per household and risk type among `flagged` (HIT_SCHEMA): the highest level among the rules that
    fired with that risk type, and evidence {"rule_set": id, "rules": [{"rule": code, "values": {…}}, …] in the
    rule set's order, "sources": {source: [batch ids]}, "line": "6000.00"}."""
    if flagged.num_rows == 0:
        return HIT_SCHEMA.empty_table()
    types = dict(zip(flagged.column_names, flagged.schema.types, strict=True))
    explained = explained_columns(definition, flagged.column_names)
    selects = []
    for order, rule in enumerate(definition.rules):
        pairs = ", ".join(f"{_text(c)}, {_value(c, types[c])}" for c in explained[rule.code])
        entry = f"json_object('rule', {_text(rule.code)}, 'values', json_object({pairs}))"
        for risk_code in rule.risk_codes:
            selects.append(
                f"SELECT household_id, village_code, {_text(risk_code)} AS risk_code, "
                f"{_text(rule.level.value)} AS level, {LEVEL_RANK[rule.level.value]} AS rank, "
                f"{order} AS ord, {entry} AS entry FROM flagged WHERE {_name(rule_column(rule.code))}"
            )
    query = f"""
        SELECT household_id::BIGINT AS household_id, any_value(village_code)::VARCHAR AS village_code,
               risk_code, arg_max(level, rank) AS level,
               json_object('rule_set', $rule_set, 'rules', to_json(list(entry ORDER BY ord)),
                           'sources', $sources::JSON, 'line', $line)::VARCHAR AS evidence
        FROM ({" UNION ALL ".join(selects)}) AS fired
        GROUP BY household_id, risk_code
        ORDER BY household_id, risk_code
    """
    with duckdb.connect() as con:
        con.register("flagged", flagged)
        params = {
            "rule_set": rule_set_id,
            "sources": json.dumps({k: list(v) for k, v in sources.items()}),
            "line": str(line),
        }
        return con.execute(query, params).fetch_arrow_table().cast(HIT_SCHEMA)
