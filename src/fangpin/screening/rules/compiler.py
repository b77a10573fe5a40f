"""A checked rule set turned into Ibis: the rows where a rule fires with their evidence, and a dry run's counts.

Each is one expression without Python functions inside, so DuckDB, PySpark and PostgreSQL give the same answer.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from django.utils.translation import gettext as _

from fangpin.screening.indicators.base import Kind
from fangpin.screening.rules.definition import SCREENING_RUNTIME, Problem, RuleDef, RuleSetDef, RuleSetInvalid
from fangpin.screening.rules.expressions import check_expression, literal, to_ibis
from fangpin.screening.rules.templates import explained_names

SCREENING_KEYS = ("household_id", "village_code", "township_code")
Number = int | float | Decimal


def rule_column(code: str) -> str:
    """The boolean output column that says whether rule `code` fires (prefixed: a rule may share an indicator's name)."""
    return f"rule_{code}"


def _literal_number(value: Number) -> ir.Value:
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    return literal(value)


def rule_values(rule_set: RuleSetDef, params: Mapping[str, Number]) -> dict[str, Number]:
    """The numbers a run uses: the rule set's parameters, with the run-time values (which win) beside them."""
    return {**rule_set.parameters, **params}


def _conditions(
    rule_set: RuleSetDef, table: ir.Table, params: Mapping[str, Number]
) -> tuple[dict[str, ir.BooleanValue], dict[str, frozenset[str]]]:
    """Each rule's condition as a boolean that is never missing, and the table columns each condition reads."""
    numbers = rule_values(rule_set, params)
    kinds = {name: column_type_kind(dtype) for name, dtype in table.schema().items()}
    kinds.update({name: Kind.NUMBER for name in numbers})

    def resolve(name: str) -> ir.Value:
        if name in numbers:
            return _literal_number(numbers[name])
        if name not in table.columns:
            raise KeyError(name)
        return table[name]

    conditions, reads = {}, {}
    problems: list[Problem] = []
    for rule in rule_set.rules:
        checked = check_expression(rule.when, kinds)
        if checked.tree is None:
            for p in checked.problems:
                message = p.message
                if p.word in SCREENING_RUNTIME and p.word not in numbers:
                    message = _("the run did not supply a value for “{word}”").format(word=p.word)
                problems.append(Problem(rule.code, p.word, message, column=p.column))
            continue
        # A condition that is missing (a comparison with a missing value) does not fire.
        conditions[rule.code] = to_ibis(checked.tree, resolve).fill_null(False)
        reads[rule.code] = frozenset(n for n in checked.names if n not in numbers)
    if problems:
        raise RuleSetInvalid(problems)
    return conditions, reads


def column_type_kind(dtype: dt.DataType) -> Kind:
    """The rule kind of a table column's type (text for anything that is neither number nor boolean)."""
    if dtype.is_boolean():
        return Kind.BOOLEAN
    if dtype.is_numeric():
        return Kind.NUMBER
    return Kind.TEXT


def evidence_columns(rule: RuleDef, table_columns: Sequence[str], reads: frozenset[str]) -> list[str]:
    """The columns a rule's explanation and condition need, in the order they first appear."""
    names = [*explained_names(rule), *sorted(reads)]
    return [n for n in dict.fromkeys(names) if n in table_columns]


def rule_names(rule: RuleDef, kinds: Mapping[str, Kind]) -> set[str]:
    """Every name a rule uses, in its condition or its explanations: indicators, parameters, run-time values."""
    return {*check_expression(rule.when, kinds).names, *explained_names(rule)}


def compile_rule_set(
    rule_set: RuleSetDef,
    table: ir.Table,
    *,
    params: Mapping[str, Number],
    keys: Sequence[str] = SCREENING_KEYS,
) -> ir.Table:
    """The rows of `table` where at least one rule fires: `keys`, one boolean `rule_<code>` per rule, and the
    columns the rules read or explain with (the evidence).

    `params` are the run-time values (`monitoring_line`); they may also override a parameter, for a what-if.
    """
    conditions, reads = _conditions(rule_set, table, params)
    evidence: list[str] = []
    for rule in rule_set.rules:
        evidence.extend(evidence_columns(rule, table.columns, reads[rule.code]))
    evidence = [c for c in dict.fromkeys(evidence) if c not in keys]
    fired = {rule_column(code): condition for code, condition in conditions.items()}
    selected = table.select(*keys, *evidence, **fired)
    return selected.filter(ibis.or_(*[selected[c] for c in fired]))


def dry_run_counts(
    rule_set: RuleSetDef,
    table: ir.Table,
    *,
    params: Mapping[str, Number],
    by: str = "township_code",
) -> ir.Table:
    """Per `by` (township): households screened, households any rule flags, and households each rule flags.

    Columns: `by`, `households`, `flagged`, and `rule_<code>` per rule; what a county reads before activating.
    """
    conditions, _reads = _conditions(rule_set, table, params)
    flagged = ibis.or_(*conditions.values())
    counts = {rule_column(code): c.ifelse(1, 0).sum() for code, c in conditions.items()}
    return (
        table.group_by(by)
        .aggregate(households=table.count(), flagged=flagged.ifelse(1, 0).sum(), **counts)
        .order_by(by)
    )
