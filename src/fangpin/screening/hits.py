"""A run's flagged rows → one hit per household and risk type, with its evidence as JSON text.

The flagged rows come back from the engine (DuckDB or PySpark) as Arrow: a few per cent of a county, 100,000
rows at a million households. Turning them into evidence row by row in Python cost more than the whole engine
run, so one DuckDB query over the Arrow table does it, whichever engine produced the rows.

Evidence keeps values, not sentences: the rule set version and, per rule, the indicator values its explanation
names. The page renders the sentence in the reader's language from that version's templates
(alerts.evidence), so 100,000 alerts do not each carry two copies of the same text.
"""

from collections.abc import Mapping
from decimal import Decimal

import duckdb
import pyarrow as pa

from fangpin.alerts.models import LEVEL_RANK
from fangpin.alerts.services import HIT_SCHEMA
from fangpin.screening.indicators import REGISTRY
from fangpin.screening.rules.compiler import rule_column, rule_names
from fangpin.screening.rules.definition import RuleSetDef
from fangpin.screening.rules.templates import explained_names


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
    return {rule.code: [n for n in explained_names(rule) if n in columns] for rule in definition.rules}


def rule_inputs(definition: RuleSetDef) -> dict[str, list[str]]:
    """{rule code: the inputs (feed sources, registry tables) of the indicators it compares or explains with}."""
    kinds = {name: indicator.kind for name, indicator in REGISTRY.items()}
    return {
        rule.code: sorted(
            {src for n in rule_names(rule, kinds) if n in REGISTRY for src in REGISTRY[n].sources}
        )
        for rule in definition.rules
    }


def _batches_map(sources: Mapping[str, list[int]]) -> str:
    entries = ", ".join(
        f"{_text(source)}: [{', '.join(str(int(b)) for b in ids)}]::BIGINT[]"
        for source, ids in sources.items()
    )
    return f"MAP {{{entries}}}" if entries else "MAP([]::VARCHAR[], []::BIGINT[][])"


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
    rule set's order, "sources": {source: [batch ids]}, "line": "6000.00"}. `sources` are the run's feed batches;
    each alert keeps those of the sources its rules' indicators read (a medical alert names no school file)."""
    if flagged.num_rows == 0:
        return HIT_SCHEMA.empty_table()
    types = dict(zip(flagged.column_names, flagged.schema.types, strict=True))
    explained = explained_columns(definition, flagged.column_names)
    inputs = rule_inputs(definition)
    selects = []
    for order, rule in enumerate(definition.rules):
        pairs = ", ".join(f"{_text(c)}, {_value(c, types[c])}" for c in explained[rule.code])
        entry = f"json_object('rule', {_text(rule.code)}, 'values', json_object({pairs}))"
        reads = f"[{', '.join(_text(i) for i in inputs[rule.code])}]::VARCHAR[]"
        for risk_code in rule.risk_codes:
            selects.append(
                f"SELECT household_id, village_code, {_text(risk_code)} AS risk_code, "
                f"{_text(rule.level.value)} AS level, {LEVEL_RANK[rule.level.value]} AS rank, "
                f"{order} AS ord, {entry} AS entry, {reads} AS reads "
                f"FROM flagged WHERE {_name(rule_column(rule.code))}"
            )
    # The batches of the inputs the alert's rules read, as {source: [ids]} in source order.
    behind = (
        "to_json(map_from_entries(list_transform("
        "list_filter(list_sort(list_distinct(flatten(list(reads)))), s -> map_contains(batches, s)), "
        "s -> struct_pack(k := s, v := batches[s]))))"
    )
    query = f"""
        SELECT household_id::BIGINT AS household_id, any_value(village_code)::VARCHAR AS village_code,
               risk_code, arg_max(level, rank) AS level,
               json_object('rule_set', $rule_set, 'rules', to_json(list(entry ORDER BY ord)),
                           'sources', {behind}, 'line', $line)::VARCHAR AS evidence
        FROM ({" UNION ALL ".join(selects)}) AS fired, (SELECT {_batches_map(sources)} AS batches)
        GROUP BY household_id, risk_code, batches
        ORDER BY household_id, risk_code
    """
    with duckdb.connect() as con:
        con.register("flagged", flagged)
        params = {"rule_set": rule_set_id, "line": str(line)}
        return con.execute(query, params).fetch_arrow_table().cast(HIT_SCHEMA)
