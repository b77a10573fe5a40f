"""Conditions of rules: Python expression syntax parsed with `ast` and held to a whitelist, then turned into Ibis.

Nothing is evaluated by Python; the language and its missing-value semantics are described in README.md here."""

import ast
import difflib
import functools
import math
import operator
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext as _

from fangpin.screening.indicators.base import Kind
from fangpin.screening.rules.definition import Problem

MAX_LENGTH = 2000  # characters of one condition; a longer one is a mistake, not a rule
MAX_DEPTH = 50  # nesting of one condition, so no input can exhaust the recursion of the checker
BOOLEAN_WORDS = {"true": True, "false": False, "True": True, "False": False}
FUNCTIONS = ("missing", "coalesce", "abs")
_LARGEST = 2**63 - 1  # numbers become 64-bit literals on every engine

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_COMPARE_OPS: dict[type, Callable] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_OPERATOR_WORDS: dict[type, str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.MatMult: "@",
}


def kind_words(kind: Kind) -> str:
    """How a rule writer reads a kind in a message: "x is a number"."""
    words = {Kind.NUMBER: _("a number"), Kind.BOOLEAN: _("true or false"), Kind.TEXT: _("text")}
    return words.get(kind, str(kind))


@dataclass(frozen=True)
class Checked:
    """A condition after checking: its tree (None when it cannot be read), kind, the names it uses, problems."""

    tree: ast.Expression | None
    kind: Kind | None
    names: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()


@dataclass
class _Checker:
    source: str
    kinds: Mapping[str, Kind]
    problems: list[Problem] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def report(self, node: ast.AST | None, message: str, word: str | None = None) -> None:
        segment = ast.get_source_segment(self.source, node) if node is not None else None
        column = node.col_offset + 1 if node is not None and hasattr(node, "col_offset") else None
        self.problems.append(
            Problem(rule=None, word=word or segment or self.source, message=message, column=column)
        )

    def word(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def kind(self, node: ast.AST, depth: int = 0) -> Kind | None:
        """The kind of `node`, or None when it has a problem (reported once, so one mistake gives one message)."""
        if depth > MAX_DEPTH:
            self.report(node, _("the condition is nested too deeply; split it into simpler rules"))
            return None
        visit = getattr(self, f"visit_{type(node).__name__}", None)
        if visit is None:
            self.report(node, _("“{word}” is not allowed in a condition").format(word=self.word(node)))
            return None
        return visit(node, depth + 1)

    def expect(self, node: ast.AST, kind: Kind, depth: int, message: str) -> bool:
        """Check that `node` is of `kind`; `message` may use {word} and {kind}."""
        found = self.kind(node, depth)
        if found is None:
            return False
        if found is not kind:
            word = self.word(node)
            self.report(node, message.format(word=word, kind=kind_words(found)), word=word)
            return False
        return True

    def visit_Constant(self, node: ast.Constant, depth: int) -> Kind | None:
        value = node.value
        if isinstance(value, bool):
            return Kind.BOOLEAN
        if isinstance(value, int | float):
            if not math.isfinite(value) or abs(value) > _LARGEST:
                self.report(node, _("the number {word} is too large").format(word=self.word(node)))
                return None
            return Kind.NUMBER
        if isinstance(value, str):
            return Kind.TEXT
        if value is None:
            self.report(node, _("write missing(x) to test whether x has no value"))
            return None
        self.report(node, _("“{word}” is not a number or a text in quotes").format(word=self.word(node)))
        return None

    def visit_Name(self, node: ast.Name, depth: int) -> Kind | None:
        if node.id in self.kinds:
            self.names.add(node.id)
            return self.kinds[node.id]
        if node.id in BOOLEAN_WORDS:
            return Kind.BOOLEAN
        if node.id in FUNCTIONS:
            self.report(node, _("{word} is a function; write it as {word}(…)").format(word=node.id))
            return None
        guess = difflib.get_close_matches(node.id, list(self.kinds), n=1, cutoff=0.6)
        message = (
            _("unknown indicator “{word}”; did you mean “{guess}”?").format(word=node.id, guess=guess[0])
            if guess
            else _("unknown indicator “{word}”").format(word=node.id)
        )
        self.report(node, message, word=node.id)
        return None

    def visit_UnaryOp(self, node: ast.UnaryOp, depth: int) -> Kind | None:
        if isinstance(node.op, ast.Not):
            ok = self.expect(
                node.operand, Kind.BOOLEAN, depth, _("“not” needs a condition; {word} is {kind}")
            )
            return Kind.BOOLEAN if ok else None
        if isinstance(node.op, ast.USub | ast.UAdd):
            ok = self.expect(
                node.operand, Kind.NUMBER, depth, _("a sign goes before a number; {word} is {kind}")
            )
            return Kind.NUMBER if ok else None
        self.report(node, _("the operator “~” is not allowed; write not for negation"), word="~")
        return None

    def visit_BoolOp(self, node: ast.BoolOp, depth: int) -> Kind | None:
        word = "and" if isinstance(node.op, ast.And) else "or"
        message = _("“{op}” joins conditions that are true or false; {{word}} is {{kind}}").format(op=word)
        results = [self.expect(value, Kind.BOOLEAN, depth, message) for value in node.values]
        return Kind.BOOLEAN if all(results) else None

    def visit_BinOp(self, node: ast.BinOp, depth: int) -> Kind | None:
        if type(node.op) not in _ARITHMETIC:
            symbol = _OPERATOR_WORDS.get(type(node.op), "?")
            self.report(
                node,
                _("the operator “{op}” is not allowed; arithmetic uses + - * /").format(op=symbol),
                word=symbol,
            )
            return None
        message = _("arithmetic needs numbers; {word} is {kind}")
        results = [self.expect(side, Kind.NUMBER, depth, message) for side in (node.left, node.right)]
        return Kind.NUMBER if all(results) else None

    def visit_Compare(self, node: ast.Compare, depth: int) -> Kind | None:
        if len(node.ops) > 1 and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            self.report(node, _("write “in” as a comparison of its own, joined with and / or"), word="in")
            return None
        ok = True
        left = node.left
        left_kind = self.kind(left, depth)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Is | ast.IsNot):
                self.report(node, _("write missing(x) to test whether x has no value"), word="is")
                return None
            if isinstance(op, ast.In | ast.NotIn):
                right_kind = self.values_list(right, depth)
            else:
                right_kind = self.kind(right, depth)
            if left_kind is None or right_kind is None:
                ok = False
            elif isinstance(op, ast.In | ast.NotIn) and left_kind is Kind.BOOLEAN:
                self.report(
                    left,
                    _("“in” looks for a number or a text in a list; {word} is true or false").format(
                        word=self.word(left)
                    ),
                    word=self.word(left),
                )
                ok = False
            elif left_kind is not right_kind or (isinstance(op, _ORDERING) and left_kind is Kind.BOOLEAN):
                culprit = left if isinstance(left, ast.Name | ast.Call) else right
                self.report(
                    culprit,
                    _("cannot compare {left} ({left_kind}) with {right} ({right_kind})").format(
                        left=self.word(left),
                        left_kind=kind_words(left_kind),
                        right=self.word(right),
                        right_kind=kind_words(right_kind),
                    ),
                    word=self.word(culprit),
                )
                ok = False
            left, left_kind = right, right_kind
        return Kind.BOOLEAN if ok else None

    def values_list(self, node: ast.AST, depth: int) -> Kind | None:
        """The right side of `in`: a non-empty list of numbers, or of texts."""
        if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
            self.report(node, _("after “in” write a list of values, e.g. in ['C', 'D']"))
            return None
        kinds = set()
        for element in node.elts:
            if not isinstance(element, ast.Constant) or isinstance(element.value, bool):
                self.report(element, _("the list after “in” may hold only numbers or texts in quotes"))
                return None
            kinds.add(self.kind(element, depth))
        if None in kinds:
            return None
        if len(kinds) > 1:
            self.report(node, _("the list after “in” mixes numbers and texts"))
            return None
        return kinds.pop()

    def visit_Call(self, node: ast.Call, depth: int) -> Kind | None:
        name = node.func.id if isinstance(node.func, ast.Name) else self.word(node.func)
        if name not in FUNCTIONS:
            self.report(
                node.func,
                _("unknown function “{word}”; the functions are {functions}").format(
                    word=name, functions=", ".join(FUNCTIONS)
                ),
                word=name,
            )
            return None
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.report(
                node, _("{word}(…) takes plain values, without names or *").format(word=name), word=name
            )
            return None
        arity = {"missing": (1, 1), "abs": (1, 1), "coalesce": (2, 10)}[name]
        if not arity[0] <= len(node.args) <= arity[1]:
            self.report(
                node, _("{word}(…) takes {count} value(s)").format(word=name, count=arity[0]), word=name
            )
            return None
        if name == "missing":
            return Kind.BOOLEAN if self.kind(node.args[0], depth) is not None else None
        if name == "abs":
            ok = self.expect(node.args[0], Kind.NUMBER, depth, _("abs(…) needs a number; {word} is {kind}"))
            return Kind.NUMBER if ok else None
        kinds = [self.kind(a, depth) for a in node.args]
        if None in kinds:
            return None
        if len(set(kinds)) > 1:
            self.report(node, _("coalesce(…) needs values of one kind"), word=name)
            return None
        return kinds[0]


def _syntax_problem(source: str, error: SyntaxError) -> Problem:
    offset = max((error.offset or 1) - 1, 0) if error.lineno in (None, 1) else 0
    # The whole run of non-blank characters around the place Python stopped: "&&", not its second "&".
    offset = min(offset, len(source))
    while offset > 0 and not source[offset - 1].isspace():
        offset -= 1
    match = re.compile(r"\S+").search(source, offset)
    word = match.group(0)[:30] if match else source.strip()[-30:]
    hint = ""
    if re.search(r"(?<![=!<>])=(?!=)", source):
        hint = " " + _("(to compare, write == rather than =)")
    elif "&&" in source or "||" in source:
        hint = " " + _("(write and / or rather than && / ||)")
    return Problem(
        rule=None,
        word=word,
        message=_("the condition cannot be read near “{word}”").format(word=word) + hint,
        column=offset + 1,
    )


def check_expression(source: str, kinds: Mapping[str, Kind], *, expect: Kind = Kind.BOOLEAN) -> Checked:
    """Parse and type-check one condition; problems are returned, never raised, whatever the input."""
    if len(source) > MAX_LENGTH:
        word = source[:30]
        message = _("the condition is longer than {limit} characters").format(limit=MAX_LENGTH)
        return Checked(None, None, problems=(Problem(None, word, message),))
    if not source.strip():
        return Checked(None, None, problems=(Problem(None, "", _("the condition is empty")),))
    try:
        with warnings.catch_warnings():
            # "invalid decimal literal" and the like: the checker reports what matters in its own words.
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        return Checked(None, None, problems=(_syntax_problem(source.strip(), error),))
    except (ValueError, RecursionError, MemoryError):
        message = _("the condition cannot be read")
        return Checked(None, None, problems=(Problem(None, source[:30], message),))
    checker = _Checker(source.strip(), kinds)
    try:
        kind = checker.kind(tree.body)
    except RecursionError:
        checker.report(None, _("the condition is nested too deeply; split it into simpler rules"))
        kind = None
    if kind is not None and kind is not expect:
        checker.report(
            tree.body,
            _("the condition must be true or false, but {word} is {kind}").format(
                word=checker.word(tree.body), kind=kind_words(kind)
            ),
        )
        kind = None
    problems = tuple(checker.problems)
    return Checked(tree if not problems else None, kind, frozenset(checker.names), problems)


def literal(value: object) -> ir.Value:
    """A constant as an Ibis literal of a fixed width, so no engine narrows or overflows it."""
    if isinstance(value, bool):
        return ibis.literal(value, type="boolean")
    if isinstance(value, int):
        return ibis.literal(value, type="int64")
    if isinstance(value, float):
        return ibis.literal(value, type="float64")
    return ibis.literal(value, type="string")


def to_ibis(tree: ast.Expression, resolve: Callable[[str], ir.Value]) -> ir.Value:
    """The Ibis value of a checked condition; `resolve` gives the column or literal behind each name."""
    return _compile(tree.body, resolve)


def _compile(node: ast.AST, resolve: Callable[[str], ir.Value]) -> ir.Value:
    go = functools.partial(_compile, resolve=resolve)
    match node:
        case ast.Constant(value=value):
            return literal(value)
        case ast.Name(id=name):
            try:
                return resolve(name)
            except KeyError:
                if name in BOOLEAN_WORDS:
                    return literal(BOOLEAN_WORDS[name])
                raise
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return ~go(operand)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -go(operand)
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return go(operand)
        case ast.BoolOp(op=op, values=values):
            join = operator.and_ if isinstance(op, ast.And) else operator.or_
            return functools.reduce(join, [go(v) for v in values])
        case ast.BinOp(op=ast.Div(), left=left, right=right):
            # Division by zero is a missing value on every engine (Spark in ANSI mode would raise instead).
            return go(left) / go(right).nullif(0)
        case ast.BinOp(op=op, left=left, right=right):
            return {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}[type(op)](
                go(left), go(right)
            )
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            parts = []
            current = go(left)
            for comparison, right in zip(ops, comparators, strict=True):
                if isinstance(comparison, ast.In | ast.NotIn):
                    values = [literal(e.value) for e in right.elts]  # type: ignore[attr-defined]
                    parts.append(
                        current.isin(values) if isinstance(comparison, ast.In) else current.notin(values)
                    )
                    continue
                following = go(right)
                parts.append(_COMPARE_OPS[type(comparison)](current, following))
                current = following
            return functools.reduce(operator.and_, parts)
        case ast.Call(func=ast.Name(id="missing"), args=[argument]):
            return go(argument).isnull()
        case ast.Call(func=ast.Name(id="abs"), args=[argument]):
            return go(argument).abs()
        case ast.Call(func=ast.Name(id="coalesce"), args=arguments):
            return ibis.coalesce(*[go(a) for a in arguments])
    raise ValueError(f"unchecked condition node {ast.dump(node)}")
