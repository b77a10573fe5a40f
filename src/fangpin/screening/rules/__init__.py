"""The rule language of screening and data-quality checks: rule sets as YAML, checked on save, compiled to Ibis.

README.md here describes the language for rule writers; `default.yaml` is the rule set fangpin ships.
"""

from fangpin.screening.rules.compiler import compile_rule_set, dry_run_counts, rule_column, rule_values
from fangpin.screening.rules.definition import (
    RISK_CODES,
    Catalogue,
    Level,
    Problem,
    RuleDef,
    RuleSetDef,
    RuleSetInvalid,
    screening_catalogue,
)
from fangpin.screening.rules.loader import load_rule_set, rule_set_problems
from fangpin.screening.rules.templates import explain

__all__ = [
    "RISK_CODES",
    "Catalogue",
    "Level",
    "Problem",
    "RuleDef",
    "RuleSetDef",
    "RuleSetInvalid",
    "compile_rule_set",
    "dry_run_counts",
    "explain",
    "load_rule_set",
    "rule_column",
    "rule_set_problems",
    "rule_values",
    "screening_catalogue",
]
