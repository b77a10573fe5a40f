"""What an alert's evidence says, in plain words of the page language, and the evidence of non-rule sources.

A screening alert's evidence keeps the rule set version and each rule's values; its sentences are rendered
here from that version's templates (`RuleSets`), in the reader's language. Evidence written before that, and
the evidence of other channels, carries its sentences in both languages and is shown as it is.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

from fangpin.screening.indicators import REGISTRY
from fangpin.screening.rules.definition import RuleDef, RuleSetDef
from fangpin.screening.rules.templates import explain, format_value

# {rule set id: its definition}: the versions a page's alerts name, read once per page (rule_sets_of).
RuleSets = Mapping[int, RuleSetDef]


def _language_key(language: str | None) -> str:
    return "zh" if (language or "zh").startswith("zh") else "en"


def _pick(texts: Any, key: str) -> str:
    """The text of a {"zh": …, "en": …} pair in `key`, else the other language, else the text itself."""
    if isinstance(texts, dict):
        other = "en" if key == "zh" else "zh"
        return str(texts.get(key) or texts.get(other) or "")
    return str(texts or "")


@dataclass(frozen=True)
class RuleEvidence:
    code: str
    name: str
    explain: str
    values: dict[str, Any]
    facts: list[tuple[str, str]]  # (indicator label, value in words) of each value, in the page language


# What follows a value of each indicator unit, in each language; a ratio reads as a percentage.
_UNIT_SUFFIX = {
    "yuan": {"zh": " 元", "en": " yuan"},
    "yuan_per_person": {"zh": " 元/人", "en": " yuan per person"},
}


def value_fact(name: str, value: Any, key: str) -> tuple[str, str]:
    """An indicator value as a cadre reads it: ("近12个月医疗自付费用", "23,400 元")."""
    indicator = REGISTRY.get(name)
    if indicator is None:  # a value a later version no longer computes: shown as stored
        return name, format_value(value, "", key)
    label = indicator.label_zh if key == "zh" else indicator.label_en
    if value is None:
        return label, format_value(value, "", key)
    if indicator.unit in _UNIT_SUFFIX:
        return label, format_value(value, "yuan", key) + _UNIT_SUFFIX[indicator.unit][key]
    if indicator.unit == "ratio":
        return label, format_value(value, "percent", key)
    return label, format_value(value, "", key)


def rule_set_ids(evidence: Any) -> set[int]:
    """The rule set versions an alert's evidence names, its own and those of evidence added to it."""
    if not isinstance(evidence, dict):
        return set()
    ids = {evidence["rule_set"]} if isinstance(evidence.get("rule_set"), int) else set()
    for added in evidence.get("added") or []:
        if isinstance(added, dict):
            ids |= rule_set_ids(added.get("evidence"))
    return ids


def rule_sets_of(evidences: Iterable[Any]) -> dict[int, RuleSetDef]:
    """The definitions of every rule set version these evidences name, in one query."""
    from fangpin.screening.models import RuleSet  # screening writes alerts: import its models only when read

    ids = set().union(*(rule_set_ids(e) for e in evidences))
    rows = RuleSet.objects.filter(pk__in=ids).values_list("pk", "definition") if ids else []
    return {pk: RuleSetDef.model_validate(definition) for pk, definition in rows}


def _rendered(rule: RuleDef | None, definition: RuleSetDef | None, values: dict, evidence: dict, key: str):
    """(name, explanation) of a rule from its version's templates, or None when the version is not at hand."""
    if rule is None or definition is None:
        return None
    known: dict[str, Any] = dict(definition.parameters)
    if evidence.get("line") is not None:
        known["monitoring_line"] = float(evidence["line"])
    try:
        return rule.name.get(key), explain(rule, known | values, language=key)
    except KeyError:  # a value the template names is not in the evidence: show the name alone
        return rule.name.get(key), ""


def rule_lines(
    evidence: dict[str, Any], language: str | None = None, rule_sets: RuleSets | None = None
) -> list[RuleEvidence]:
    """The rules behind an alert, each with its explanation ("医疗自付 23,400 元，超过 20,000 元")."""
    key = _language_key(language or translation.get_language())
    rules = evidence.get("rules") if isinstance(evidence, dict) else None
    if not isinstance(rules, list):
        return []
    if rule_sets is None:
        rule_sets = rule_sets_of([evidence])
    definition = rule_sets.get(evidence.get("rule_set"))
    known = {r.code: r for r in definition.rules} if definition else {}
    lines = []
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        code = str(rule.get("rule", ""))
        values = rule.get("values") if isinstance(rule.get("values"), dict) else {}
        rendered = _rendered(known.get(code), definition, values, evidence, key)
        name, sentence = rendered or (_pick(rule.get("name"), key), _pick(rule.get("explain"), key))
        facts = [value_fact(k, v, key) for k, v in values.items()]
        lines.append(RuleEvidence(code=code, name=name, explain=sentence, values=values, facts=facts))
    return lines


def explain_lines(
    evidence: dict[str, Any], language: str | None = None, rule_sets: RuleSets | None = None
) -> list[str]:
    """Every sentence of an alert's evidence: its rules, its own explanation, and what other channels added."""
    key = _language_key(language or translation.get_language())
    if not isinstance(evidence, dict):
        return []
    if rule_sets is None:
        rule_sets = rule_sets_of([evidence])
    lines = [r.explain or r.name or r.code for r in rule_lines(evidence, key, rule_sets)]
    if evidence.get("explain"):
        lines.append(_pick(evidence["explain"], key))
    for added in evidence.get("added") or []:
        if isinstance(added, dict):
            lines.extend(explain_lines(added.get("evidence") or {}, key, rule_sets))
    return [line for line in lines if line]


def feed_batches(evidence: dict[str, Any]) -> dict[str, list[int]]:
    """The feed batches behind the values, by source: {"卫健": [12, 14]}."""
    sources = evidence.get("sources") if isinstance(evidence, dict) else None
    if not isinstance(sources, dict):
        return {}
    return {
        str(k): [int(b) for b in v if str(b).isdigit()] for k, v in sources.items() if isinstance(v, list)
    }


def bilingual(template: Promise | str, **params: Any) -> dict[str, str]:
    """{"zh": …, "en": …} of a translatable sentence, so evidence reads right whatever the reader's language."""
    texts = {}
    for key, language in (("zh", "zh-hans"), ("en", "en")):
        with translation.override(language):
            texts[key] = str(template) % {k: str(v) for k, v in params.items()} if params else str(template)
    return texts
