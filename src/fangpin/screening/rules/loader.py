"""Reading a rule set from YAML or JSON text (or its stored mapping) and checking all of it before it is saved.

Every problem is collected, not just the first, each pointing at the rule, the word and, for text, the line.
"""

import dataclasses
import math
from collections.abc import Mapping
from importlib import resources
from typing import Any

import pydantic
import yaml
from django.utils.translation import gettext as _

from fangpin.screening.indicators.base import Kind
from fangpin.screening.rules.definition import (
    MAX_RISKS,
    RISK_CODES,
    RULE_CODE,
    SLUG,
    Catalogue,
    Problem,
    RuleDef,
    RuleSetDef,
    RuleSetInvalid,
    screening_catalogue,
)
from fangpin.screening.rules.expressions import check_expression
from fangpin.screening.rules.templates import check_template

_STR = "tag:yaml.org,2002:str"


class _Located:
    """The YAML node tree of the text, to give each problem the line it is on."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, path: tuple[int | str, ...]) -> int | None:
        node, found = self.root, None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
                if match is None:
                    break
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                break
            found = node
        return found.start_mark.line + 1 if found is not None else None


def _has_aliases(root: yaml.Node | None) -> bool:
    """Whether a node appears twice: an alias, which could nest a rule set in itself or multiply it a billion-fold."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _risk_codes_as_text(node: yaml.Node | None) -> None:
    """YAML reads `01` as the number 1, `0201` as an octal 129 and a national check code `1_11_004` as 111004;
    risk codes and rule codes are always the text as written."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "risk_codes" and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:int":
                        item.tag = _STR
            is_code = getattr(key, "value", None) == "code" and isinstance(value, yaml.ScalarNode)
            if is_code and value.tag == "tag:yaml.org,2002:int":
                value.tag = _STR
            _risk_codes_as_text(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _risk_codes_as_text(item)


def _parse_text(text: str) -> tuple[Any, _Located]:
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # reads the first characters already: a control character fails here
        root = loader.get_single_node()
        if _has_aliases(root):
            message = _("anchors and aliases (& and *) are not allowed in a rule set; write each rule out")
            raise RuleSetInvalid([Problem(None, "*", message)])
        _risk_codes_as_text(root)
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        snippet = (mark.get_snippet() or "").strip() if mark else ""
        word = snippet.splitlines()[0] if snippet else ""
        message = _("the text is not valid YAML: {problem}").format(problem=error.problem or error)
        raise RuleSetInvalid([Problem(None, word, message, line=line)]) from None
    except yaml.YAMLError as error:
        message = _("the text is not valid YAML: {problem}").format(problem=error)
        raise RuleSetInvalid([Problem(None, "", message)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, _Located(root)


def _rule_code(data: Any, index: int) -> str:
    try:
        code = data["rules"][index]["code"]
    except (KeyError, IndexError, TypeError):
        code = None
    return code if isinstance(code, str) and code else f"#{index + 1}"


def _structure_problems(error: pydantic.ValidationError, data: Any, located: _Located) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        rule = (
            _rule_code(data, loc[1])
            if len(loc) > 1 and loc[0] == "rules" and isinstance(loc[1], int)
            else None
        )
        # The field as the writer knows it: "level", "name.zh", never pydantic's union branch names.
        inner = [str(p) for p in (loc[2:] if rule else loc) if not str(p).startswith(("int", "float"))]
        path = ".".join(inner)
        value = item.get("input")
        word = value if isinstance(value, str) and value else path
        kind = item["type"]
        if kind == "missing":
            message = _("“{field}” is missing").format(field=path)
        elif kind == "extra_forbidden":
            message = _("“{field}” is not a field of a rule set").format(field=path)
            word = path
        elif kind == "enum":
            message = _("“{value}” is not a level; use red, orange or yellow").format(value=value)
        elif kind in ("string_too_short", "too_short"):
            message = _("“{field}” is empty").format(field=path)
        elif path.startswith("parameters."):
            word = path.removeprefix("parameters.")
            message = _("parameter {field} must be a number").format(field=word)
        else:
            message = _("“{field}” has the wrong form: {detail}").format(field=path, detail=item["msg"])
        line = located.line(loc)
        problems.append(Problem(rule, str(word), message, line=line))
    # One union error per branch would repeat the same parameter; keep each message once.
    return list(dict.fromkeys(problems))


def _readable_parts(data: Mapping[str, Any]) -> tuple[dict[str, int | float], list[tuple[int, RuleDef]]]:
    """The parameters and rules that are well-formed on their own, so a typo in one rule hides nothing in another."""
    raw_parameters = data.get("parameters")
    # A parameter with a bad value is still a name the rules may use; its value has its own problem.
    parameters = {
        k: v if isinstance(v, int | float) and not isinstance(v, bool) else 0
        for k, v in (raw_parameters.items() if isinstance(raw_parameters, Mapping) else [])
        if isinstance(k, str)
    }
    rules = []
    raw_rules = data.get("rules")
    for index, raw in enumerate(raw_rules if isinstance(raw_rules, list) else []):
        try:
            rules.append((index, RuleDef.model_validate(raw)))
        except pydantic.ValidationError:
            continue
    return parameters, rules


def _semantic_problems(
    parameters: Mapping[str, int | float],
    rules: list[tuple[int, RuleDef]],
    catalogue: Catalogue,
    located: _Located,
) -> list[Problem]:
    problems: list[Problem] = []
    for name in parameters:
        line = located.line(("parameters", name))
        if not SLUG.match(name):
            problems.append(
                Problem(
                    None, name, _("parameter name “{word}” is not snake_case").format(word=name), line=line
                )
            )
        elif not math.isfinite(parameters[name]):
            message = _("parameter {field} must be a number").format(field=name)
            problems.append(Problem(None, name, message, line=line))
        elif name in catalogue.columns or name in catalogue.runtime:
            message = _("parameter “{word}” has the name of an indicator or run-time value").format(word=name)
            problems.append(Problem(None, name, message, line=line))
    kinds: dict[str, Kind] = {
        **dict(catalogue.columns),
        **dict(catalogue.runtime),
        **{name: Kind.NUMBER for name in parameters},
    }
    seen: set[str] = set()
    for index, rule in rules:

        def at(
            field: str | tuple[str, ...], problem: Problem, index: int = index, code: str = rule.code
        ) -> Problem:
            path = (field,) if isinstance(field, str) else field
            return dataclasses.replace(problem, rule=code, line=located.line(("rules", index, *path)))

        if not RULE_CODE.match(rule.code):
            message = _("rule code “{word}” must be lower-case letters, digits and _").format(word=rule.code)
            problems.append(at("code", Problem(None, rule.code, message)))
        if rule.code in seen:
            message = _("the rule code “{word}” is used twice").format(word=rule.code)
            problems.append(at("code", Problem(None, rule.code, message)))
        seen.add(rule.code)
        problems.extend(at("when", p) for p in check_expression(rule.when, kinds).problems)
        if not 1 <= len(rule.risk_codes) <= MAX_RISKS:
            message = _("a rule has 1 to {max} risk codes").format(max=MAX_RISKS)
            problems.append(at("risk_codes", Problem(None, "risk_codes", message)))
        for code in rule.risk_codes:
            if code not in RISK_CODES:
                message = _("“{word}” is not a national risk code").format(word=code)
                problems.append(at("risk_codes", Problem(None, code, message)))
        if len(set(rule.risk_codes)) != len(rule.risk_codes):
            problems.append(at("risk_codes", Problem(None, "risk_codes", _("a risk code is listed twice"))))
        for language in ("zh", "en"):
            template = getattr(rule.explain, language)
            problems.extend(at(("explain", language), p) for p in check_template(template, kinds))
    return problems


def load_rule_set(source: str | Mapping[str, Any], *, catalogue: Catalogue | None = None) -> RuleSetDef:
    """A checked rule set from YAML or JSON text, or from its stored mapping; `RuleSetInvalid` lists every problem.

    `catalogue` is what the rules may name; by default the registered indicators and the monitoring line.
    """
    if catalogue is None:
        catalogue = screening_catalogue()
    if isinstance(source, str):
        data, located = _parse_text(source)
    else:
        data, located = source, _Located(None)
    if not isinstance(data, Mapping):
        raise RuleSetInvalid([Problem(None, "", _("a rule set is a mapping with “parameters” and “rules”"))])
    try:
        rule_set = RuleSetDef.model_validate(dict(data))
    except pydantic.ValidationError as error:
        problems = _structure_problems(error, data, located)
        parameters, rules = _readable_parts(data)
        problems.extend(_semantic_problems(parameters, rules, catalogue, located))
        # In the order of the text, as an editor lists them; problems of the whole set (no line) first.
        raise RuleSetInvalid(sorted(problems, key=lambda p: p.line or 0)) from None
    problems = _semantic_problems(rule_set.parameters, list(enumerate(rule_set.rules)), catalogue, located)
    if not rule_set.rules:
        problems.insert(
            0, Problem(None, "rules", _("the rule set has no rules"), line=located.line(("rules",)))
        )
    if problems:
        raise RuleSetInvalid(sorted(problems, key=lambda p: p.line or 0))
    return rule_set


def rule_set_problems(
    source: str | Mapping[str, Any], *, catalogue: Catalogue | None = None
) -> list[Problem]:
    """Every problem of a rule set, empty when it can be saved (for an editor that shows them as you type)."""
    try:
        load_rule_set(source, catalogue=catalogue)
    except RuleSetInvalid as error:
        return error.problems
    return []


def default_rule_set_source() -> str:
    """The YAML text of the default screening rule set shipped with fangpin (DESIGN.md §3's triggers)."""
    return resources.files("fangpin.screening.rules").joinpath("default.yaml").read_text(encoding="utf-8")
