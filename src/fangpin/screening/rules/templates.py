"""Explanation templates of rules: `{name}` or `{name:yuan|percent|number}` placeholders, checked and rendered.

Numbers are shown the way Chinese documents write them (23,400; -35%); see README.md here for the formats."""

import string
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _

from fangpin.screening.indicators.base import Kind
from fangpin.screening.rules.definition import Problem, RuleDef
from fangpin.screening.rules.expressions import kind_words

FORMATS = ("yuan", "percent", "number")
MISSING = "—"
# Explanations are rendered for a named language (an alert stores both), not the request's, so no gettext here.
YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}

Piece = tuple[str, str | None, str]  # literal text, placeholder name (None at the end), format


@lru_cache(maxsize=1024)
def parse_template(template: str) -> tuple[Piece, ...]:
    """The literal texts and placeholders of a template; ValueError when its braces do not pair. Cached: a run
    renders the same few templates for every flagged household."""
    return tuple(
        (text, name, spec or "") for text, name, spec, _conversion in string.Formatter().parse(template)
    )


def placeholders(template: str) -> list[str]:
    return [name for _text, name, _spec in parse_template(template) if name]


def explained_names(rule: RuleDef) -> list[str]:
    """The names a rule's explanations fill in, both languages, in the order they first appear."""
    return list(dict.fromkeys([*placeholders(rule.explain.zh), *placeholders(rule.explain.en)]))


def _unpaired(template: str) -> str:
    """The placeholder text whose brace is not closed (or the lone closing brace), to point the writer at it."""
    opened, i = None, 0
    while i < len(template):
        if opened is None and template.startswith(("{{", "}}"), i):
            i += 2
            continue
        if template[i] == "{":
            if opened is not None:
                break
            opened = i
        elif template[i] == "}":
            if opened is None:
                return "}"
            opened = None
        i += 1
    return template[opened : opened + 30].split()[0] if opened is not None else template[:30]


def check_template(template: str, kinds: Mapping[str, Kind]) -> list[Problem]:
    """Problems of one template against the names the rule set knows (rule code and line left to the caller)."""
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError:
        return [Problem(None, _unpaired(template), _("the braces { } of the explanation do not pair up"))]
    problems = []
    for _text, name, spec, conversion in pieces:
        if name is None:
            continue
        if conversion or not name.isidentifier():
            problems.append(Problem(None, name, _("write a placeholder as {name} or {name:yuan}")))
        elif name not in kinds:
            problems.append(
                Problem(
                    None,
                    name,
                    _("the explanation names “{word}”, which is not an indicator or parameter").format(
                        word=name
                    ),
                )
            )
        elif spec and spec not in FORMATS:
            message = _("unknown format “{spec}”; the formats are {formats}").format(
                spec=spec, formats=", ".join(FORMATS)
            )
            problems.append(Problem(None, f"{name}:{spec}", message))
        elif spec and kinds[name] is not Kind.NUMBER:
            message = _("the format “{spec}” is for numbers; {word} is {kind}").format(
                spec=spec, word=name, kind=kind_words(kinds[name])
            )
            problems.append(Problem(None, f"{name}:{spec}", message))
    return problems


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def format_value(value: object, spec: str, language: str = "en") -> str:
    """One value the way a cadre reads it: 23,400 (yuan), -35% (percent), 是 / yes (true)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return YES_NO[language][0 if value else 1]
    if spec or isinstance(value, int | float | Decimal):
        number = _decimal(value)
        if number is None:
            return MISSING if spec else str(value)
        if spec == "yuan":
            return f"{number.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
        if spec == "percent":
            return f"{(number * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}%"
        rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        text = f"{rounded:,}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def explain(rule: RuleDef, values: Mapping[str, object], *, language: str) -> str:
    """The rule's explanation in `language` ("zh…" or "en…") from the evidence values of its placeholders.

    `values` holds the indicator values of the household and the parameter and run-time values the rule used.
    """
    language = "zh" if language.lower().startswith("zh") else "en"
    out = []
    for text, name, spec in parse_template(rule.explain.get(language)):
        out.append(text)
        if name is not None:
            if name not in values:
                raise KeyError(f"rule {rule.code}: no value for {name!r} in the evidence")
            out.append(format_value(values[name], spec, language))
    return "".join(out)
