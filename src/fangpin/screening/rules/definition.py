"""The shape of a rule set (pydantic models), the catalogue of names rules may use, and the problems found in one.

A rule set is data: `parameters` (numbers a county tunes) and `rules`, each a condition over named, typed columns.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from fangpin.core.errors import ValidationError
from fangpin.registry.codes import MAX_RISKS, RiskType
from fangpin.screening.indicators.base import REGISTRY, Indicator, Kind

# The national risk codes (DESIGN.md §3) are kept once, in the registry's code list.
RISK_CODES: frozenset[str] = frozenset(RiskType.values)
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
# Rule codes may also start with a digit: data-quality checks keep the national numbering (1_11_004).
RULE_CODE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class Level(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """A text in both interface languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.zh if language.lower().startswith("zh") else self.en


class RuleDef(_Frozen):
    code: str = Field(min_length=1)
    name: Text
    when: str = Field(min_length=1)
    risk_codes: tuple[str, ...]
    level: Level
    explain: Text


class RuleSetDef(_Frozen):
    parameters: dict[str, StrictInt | StrictFloat] = Field(default_factory=dict)
    rules: tuple[RuleDef, ...] = ()

    def rule(self, code: str) -> RuleDef:
        return next(r for r in self.rules if r.code == code)


@dataclass(frozen=True)
class Catalogue:
    """The names a rule may use besides its rule set's parameters.

    `columns` are columns of the table the rules run over (indicators for screening, registry fields for data
    quality); `runtime` are numbers the caller supplies when it runs the rules (the monitoring line in force).
    """

    columns: Mapping[str, Kind]
    runtime: Mapping[str, Kind] = field(default_factory=dict)


# What every screening run supplies: the monitoring line of the province and year being screened.
SCREENING_RUNTIME: Mapping[str, Kind] = {"monitoring_line": Kind.NUMBER}


def screening_catalogue(registry: Mapping[str, Indicator] = REGISTRY) -> Catalogue:
    """The catalogue screening rules are checked against: every registered indicator, plus the run's values."""
    if registry is REGISTRY:
        # Importing the catalogue registers the indicators; a caller may pass its own registry instead.
        from fangpin.screening.indicators import catalogue  # noqa: F401
    return Catalogue(
        columns={name: indicator.kind for name, indicator in registry.items()}, runtime=SCREENING_RUNTIME
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rule set: which rule (its code, or None for the whole set), the word, and why.

    `line` is the line of the YAML text when the rule set came as text; `column` the character (from 1) of the
    word inside the rule's condition or template, for highlighting it.
    """

    rule: str | None
    word: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = [_("rule {code}").format(code=self.rule)] if self.rule else []
        if self.line:
            where.append(_("line {line}").format(line=self.line))
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class RuleSetInvalid(ValidationError):
    """A rule set that cannot be saved or activated; `problems` lists everything wrong with it at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:20]), field="rules")
        self.problems = problems


__all__ = [
    "MAX_RISKS",
    "RISK_CODES",
    "RULE_CODE",
    "SCREENING_RUNTIME",
    "Catalogue",
    "Kind",
    "Level",
    "Problem",
    "RuleDef",
    "RuleSetDef",
    "RuleSetInvalid",
    "Text",
    "screening_catalogue",
]
