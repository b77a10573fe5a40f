"""What an alert's evidence says, in plain words of the page language, and the evidence of non-rule sources.

Pure functions over the evidence JSON; nothing here queries the database.
"""

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise


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


def rule_lines(evidence: dict[str, Any], language: str | None = None) -> list[RuleEvidence]:
    """The rules behind an alert, each with its explanation ("医疗自付 23,400 元，超过 20,000 元")."""
    key = _language_key(language or translation.get_language())
    rules = evidence.get("rules") if isinstance(evidence, dict) else None
    lines = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        values = rule.get("values")
        lines.append(
            RuleEvidence(
                code=str(rule.get("rule", "")),
                name=_pick(rule.get("name"), key),
                explain=_pick(rule.get("explain"), key),
                values=values if isinstance(values, dict) else {},
            )
        )
    return lines


def explain_lines(evidence: dict[str, Any], language: str | None = None) -> list[str]:
    """Every sentence of an alert's evidence: its rules, its own explanation, and what other channels added."""
    key = _language_key(language or translation.get_language())
    if not isinstance(evidence, dict):
        return []
    lines = [r.explain or r.name or r.code for r in rule_lines(evidence, key)]
    if evidence.get("explain"):
        lines.append(_pick(evidence["explain"], key))
    for added in evidence.get("added") or []:
        if isinstance(added, dict):
            lines.extend(explain_lines(added.get("evidence") or {}, key))
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
