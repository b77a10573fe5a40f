"""The rule language: what a rule set may say, and every problem a bad one is refused with (rule, word, line)."""

import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangpin.screening.indicators.base import Indicator, Kind
from fangpin.screening.rules import Catalogue, Level, RuleSetInvalid, load_rule_set, screening_catalogue
from fangpin.screening.rules.expressions import check_expression


def _indicator(name: str, kind: Kind) -> Indicator:
    return Indicator(name, name, name, "", kind, "test indicator", ("households",))


# A registry of its own, so these tests do not depend on which indicators are registered today.
FAKE_REGISTRY = {
    i.name: i
    for i in [
        _indicator("income_pc_12m", Kind.NUMBER),
        _indicator("income_pc_change_yoy", Kind.NUMBER),
        _indicator("medical_oop_12m", Kind.NUMBER),
        _indicator("medical_oop_max_stay", Kind.NUMBER),
        _indicator("housing_grade", Kind.TEXT),
        _indicator("housing_unsafe", Kind.BOOLEAN),
        _indicator("is_monitored", Kind.BOOLEAN),
    ]
}
CATALOGUE = screening_catalogue(FAKE_REGISTRY)

GOOD = """\
parameters:
  medical_oop_year: 20000
  drop: 0.3
rules:
  - code: medical
    name: {zh: 医疗自付费用过高, en: High medical costs}
    when: medical_oop_12m > medical_oop_year
    risk_codes: ["01"]
    level: orange
    explain:
      zh: 医疗自付 {medical_oop_12m:yuan} 元，超过 {medical_oop_year:yuan} 元
      en: Medical costs {medical_oop_12m:yuan} yuan, more than {medical_oop_year:yuan} yuan
  - code: low_income
    name: {zh: 收入低, en: Low income}
    when: income_pc_12m < monitoring_line or income_pc_change_yoy < -drop
    risk_codes: [99, 07]
    level: red
    explain: {zh: "人均 {income_pc_12m:yuan} 元", en: "{income_pc_12m:yuan} yuan per person"}
"""


def _problems(text: str, catalogue: Catalogue = CATALOGUE) -> list[tuple[str | None, str, str, int | None]]:
    with pytest.raises(RuleSetInvalid) as caught:
        load_rule_set(text, catalogue=catalogue)
    return [(p.rule, p.word, p.message, p.line) for p in caught.value.problems]


def _with_rule(**fields: str) -> str:
    """GOOD with fields of its first rule replaced (values as YAML text)."""
    text = GOOD
    for key, value in fields.items():
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{key}:"))
        indent = line[: len(line) - len(line.lstrip())]
        text = text.replace(line, f"{indent}{key}: {value}", 1)
    return text


def test_a_good_rule_set_loads_with_its_parameters_levels_and_risk_codes_as_written():
    rule_set = load_rule_set(GOOD, catalogue=CATALOGUE)
    assert rule_set.parameters == {"medical_oop_year": 20000, "drop": 0.3}
    assert [r.code for r in rule_set.rules] == ["medical", "low_income"]
    assert rule_set.rules[0].level is Level.ORANGE
    # Unquoted 99 and 07 stay the codes as written, not the numbers YAML would make of them.
    assert rule_set.rules[1].risk_codes == ("99", "07")


def test_the_same_rule_set_as_json_or_as_its_stored_mapping_loads_the_same():
    rule_set = load_rule_set(GOOD, catalogue=CATALOGUE)
    stored = rule_set.model_dump(mode="json")
    assert load_rule_set(json.dumps(stored), catalogue=CATALOGUE) == rule_set
    assert load_rule_set(stored, catalogue=CATALOGUE) == rule_set


def test_octal_looking_risk_codes_are_kept_as_written():
    rule_set = load_rule_set(_with_rule(risk_codes="[0201, 0206]"), catalogue=CATALOGUE)
    assert rule_set.rules[0].risk_codes == ("0201", "0206")


def test_an_unknown_indicator_is_named_with_a_suggestion_and_its_line():
    problems = _problems(_with_rule(when="medical_oop_12 > medical_oop_year"))
    assert problems == [
        (
            "medical",
            "medical_oop_12",
            "unknown indicator “medical_oop_12”; did you mean “medical_oop_12m”?",
            7,
        )
    ]


def test_an_unknown_word_without_a_near_match_gets_no_suggestion():
    assert _problems(_with_rule(when="zzz > 1")) == [("medical", "zzz", "unknown indicator “zzz”", 7)]


@pytest.mark.parametrize(
    ("when", "word", "message"),
    [
        (
            "housing_unsafe > 3",
            "housing_unsafe",
            "cannot compare housing_unsafe (true or false) with 3 (a number)",
        ),
        ("housing_grade == 3", "housing_grade", "cannot compare housing_grade (text) with 3 (a number)"),
        (
            "medical_oop_12m == 'C'",
            "medical_oop_12m",
            "cannot compare medical_oop_12m (a number) with 'C' (text)",
        ),
        (
            "medical_oop_12m and housing_unsafe",
            "medical_oop_12m",
            "“and” joins conditions that are true or false; medical_oop_12m is a number",
        ),
        (
            "housing_unsafe or housing_grade",
            "housing_grade",
            "“or” joins conditions that are true or false; housing_grade is text",
        ),
        ("not medical_oop_12m", "medical_oop_12m", "“not” needs a condition; medical_oop_12m is a number"),
        ("housing_grade * 2 > 1", "housing_grade", "arithmetic needs numbers; housing_grade is text"),
        (
            "medical_oop_12m + 1",
            "medical_oop_12m + 1",
            "the condition must be true or false, but medical_oop_12m + 1 is a number",
        ),
        (
            "housing_grade in [1, 2]",
            "housing_grade",
            "cannot compare housing_grade (text) with [1, 2] (a number)",
        ),
        ("housing_grade in ['C', 2]", "['C', 2]", "the list after “in” mixes numbers and texts"),
        ("housing_grade in 'CD'", "'CD'", "after “in” write a list of values, e.g. in ['C', 'D']"),
        (
            "housing_unsafe in [1]",
            "housing_unsafe",
            "“in” looks for a number or a text in a list; housing_unsafe is true or false",
        ),
    ],
)
def test_a_type_mismatch_points_at_the_word_and_says_what_kinds_met(when, word, message):
    assert _problems(_with_rule(when=json.dumps(when))) == [("medical", word, message, 7)]


@pytest.mark.parametrize(
    ("when", "word", "message"),
    [
        (
            "medical_oop_12m = 3",
            "=",
            "the condition cannot be read near “=” (to compare, write == rather than =)",
        ),
        (
            "housing_unsafe && is_monitored",
            "&&",
            "the condition cannot be read near “&&” (write and / or rather than && / ||)",
        ),
        ("medical_oop_12m is None", "is", "write missing(x) to test whether x has no value"),
        ("housing_grade == None", "None", "write missing(x) to test whether x has no value"),
        ("medical_oop_12m ** 2 > 1", "**", "the operator “**” is not allowed; arithmetic uses + - * /"),
        ("len(housing_grade) > 1", "len", "unknown function “len”; the functions are missing, coalesce, abs"),
        ("missing(housing_grade, 1)", "missing", "missing(…) takes 1 value(s)"),
        (
            "housing_grade in ['C'] == True",
            "in",
            "write “in” as a comparison of its own, joined with and / or",
        ),
        (
            "housing_grade.lower() == 'c'",
            "housing_grade.lower",
            "unknown function “housing_grade.lower”; the functions are missing, coalesce, abs",
        ),
        (
            "__import__('os')",
            "__import__",
            "unknown function “__import__”; the functions are missing, coalesce, abs",
        ),
        ("[x for x in y]", "[x for x in y]", "“[x for x in y]” is not allowed in a condition"),
        ("lambda: 1", "lambda: 1", "“lambda: 1” is not allowed in a condition"),
        ("missing", "missing", "missing is a function; write it as missing(…)"),
        ("medical_oop_12m > 1e999", "1e999", "the number 1e999 is too large"),
        (
            "medical_oop_12m > 99999999999999999999",
            "99999999999999999999",
            "the number 99999999999999999999 is too large",
        ),
    ],
)
def test_python_that_is_not_part_of_the_language_is_refused_with_a_hint(when, word, message):
    assert _problems(_with_rule(when=json.dumps(when))) == [("medical", word, message, 7)]


def test_every_problem_of_a_condition_is_reported_at_once():
    problems = _problems(_with_rule(when='"zzz > 1 and housing_unsafe > 3"'))
    assert [(p[1], p[2]) for p in problems] == [
        ("zzz", "unknown indicator “zzz”"),
        ("housing_unsafe", "cannot compare housing_unsafe (true or false) with 3 (a number)"),
    ]


def test_the_language_accepts_its_whole_grammar():
    kinds = dict(CATALOGUE.columns) | {"monitoring_line": Kind.NUMBER}
    for when in [
        "0 < medical_oop_12m <= 5 * monitoring_line / 2 - 1",
        "housing_grade in ['C', 'D'] and not housing_grade not in ('A',)",
        "missing(income_pc_12m) or coalesce(income_pc_12m, 0) < monitoring_line",
        "abs(income_pc_change_yoy) > 0.3 and housing_unsafe == True and is_monitored != false",
        "(housing_unsafe or is_monitored) and -income_pc_change_yoy >= +0.3",
    ]:
        assert check_expression(when, kinds).problems == (), when


def test_an_unknown_risk_code_a_bad_level_and_too_many_codes_are_refused():
    assert _problems(_with_rule(risk_codes="['08']")) == [
        ("medical", "08", "“08” is not a national risk code", 8)
    ]
    assert _problems(_with_rule(level="purple")) == [
        ("medical", "purple", "“purple” is not a level; use red, orange or yellow", 9)
    ]
    assert _problems(_with_rule(risk_codes="['01', '02', '03', '04', '05', '06']")) == [
        ("medical", "risk_codes", "a rule has 1 to 5 risk codes", 8)
    ]
    assert _problems(_with_rule(risk_codes="[]")) == [
        ("medical", "risk_codes", "a rule has 1 to 5 risk codes", 8)
    ]
    assert _problems(_with_rule(risk_codes="['01', '01']")) == [
        ("medical", "risk_codes", "a risk code is listed twice", 8)
    ]


def test_a_duplicate_rule_code_and_a_bad_slug_are_refused():
    assert _problems(GOOD.replace("code: low_income", "code: medical")) == [
        ("medical", "medical", "the rule code “medical” is used twice", 13)
    ]
    assert _problems(GOOD.replace("code: low_income", "code: Low-Income")) == [
        ("Low-Income", "Low-Income", "rule code “Low-Income” must be lower-case letters, digits and _", 13)
    ]


def test_template_placeholders_must_be_known_and_formats_must_fit_the_kind():
    text = GOOD.replace("超过 {medical_oop_year:yuan} 元", "超过 {medical_oop_yr} 元 {housing_unsafe:yuan}")
    text = text.replace(
        "Medical costs {medical_oop_12m:yuan}", "Medical costs {medical_oop_12m:euro} {income_pc_12m!r}"
    )
    assert _problems(text) == [
        (
            "medical",
            "medical_oop_yr",
            "the explanation names “medical_oop_yr”, which is not an indicator or parameter",
            11,
        ),
        (
            "medical",
            "housing_unsafe:yuan",
            "the format “yuan” is for numbers; housing_unsafe is true or false",
            11,
        ),
        (
            "medical",
            "medical_oop_12m:euro",
            "unknown format “euro”; the formats are yuan, percent, number",
            12,
        ),
        ("medical", "income_pc_12m", "write a placeholder as {name} or {name:yuan}", 12),
    ]
    assert _problems(GOOD.replace("超过 {medical_oop_year:yuan} 元", "超过 {medical_oop_year 元")) == [
        ("medical", "{medical_oop_year", "the braces { } of the explanation do not pair up", 11)
    ]


def test_a_rule_set_without_rules_is_refused():
    assert _problems("parameters: {a: 1}\n") == [(None, "rules", "the rule set has no rules", None)]
    assert _problems("parameters: {a: 1}\nrules: []\n") == [(None, "rules", "the rule set has no rules", 2)]


def test_missing_fields_unknown_fields_and_non_numeric_parameters_are_named():
    text = GOOD.replace("    level: orange\n", "    levle: orange\n").replace("drop: 0.3", "drop: '30%'")
    assert _problems(text) == [
        (None, "drop", "parameter drop must be a number", 3),
        ("medical", "level", "“level” is missing", 5),
        ("medical", "levle", "“levle” is not a field of a rule set", 9),
    ]
    assert _problems(_with_rule(name="{zh: '', en: High}")) == [
        ("medical", "name.zh", "“name.zh” is empty", 6)
    ]


def test_an_infinite_parameter_is_refused():
    assert _problems(GOOD.replace("drop: 0.3", "drop: .inf")) == [
        (None, "drop", "parameter drop must be a number", 3)
    ]


def test_a_parameter_may_not_hide_an_indicator_or_the_monitoring_line():
    text = GOOD.replace("drop: 0.3", "drop: 0.3\n  monitoring_line: 6000\n  housing_grade: 1")
    assert _problems(text) == [
        (
            None,
            "monitoring_line",
            "parameter “monitoring_line” has the name of an indicator or run-time value",
            4,
        ),
        (
            None,
            "housing_grade",
            "parameter “housing_grade” has the name of an indicator or run-time value",
            5,
        ),
    ]


def test_yaml_syntax_errors_give_the_line():
    text = GOOD.replace("    level: orange\n", "    level: [orange\n")
    problems = _problems(text)
    assert len(problems) == 1
    rule, _word, message, line = problems[0]
    assert rule is None
    assert message.startswith("the text is not valid YAML: ")
    assert line == 10


@pytest.mark.parametrize(
    "text",
    [
        "rules: &a [*a]\n",  # a rule set inside itself
        "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nrules: *b\n",  # the start of a "billion laughs"
    ],
)
def test_yaml_aliases_are_refused_so_no_text_can_nest_or_multiply_itself(text):
    assert _problems(text) == [
        (None, "*", "anchors and aliases (& and *) are not allowed in a rule set; write each rule out", None)
    ]


def test_text_that_is_not_a_mapping_is_refused():
    assert _problems("- just\n- a list\n") == [
        (None, "", "a rule set is a mapping with “parameters” and “rules”", None)
    ]


def test_problems_print_with_rule_and_line():
    with pytest.raises(RuleSetInvalid) as caught:
        load_rule_set(_with_rule(when="zzz > 1"), catalogue=CATALOGUE)
    assert str(caught.value) == "rules: rule medical, line 7: unknown indicator “zzz”"


def test_the_rule_set_is_checked_against_the_registry_it_is_given():
    rule_set_text = textwrap.dedent(
        """\
        rules:
          - code: r
            name: {zh: 甲, en: A}
            when: custom_flag
            risk_codes: ["99"]
            level: yellow
            explain: {zh: 甲, en: A}
        """
    )
    with pytest.raises(RuleSetInvalid):
        load_rule_set(rule_set_text, catalogue=CATALOGUE)
    own = screening_catalogue({"custom_flag": _indicator("custom_flag", Kind.BOOLEAN)})
    assert load_rule_set(rule_set_text, catalogue=own).rules[0].when == "custom_flag"


_JUNK_WORDS = (
    "and or not in is None lambda if else for housing_grade medical_oop_12m missing( coalesce( abs( 1e999"
)
_JUNK_ALPHABET = st.sampled_from(
    [*"abcxyz_019 .,:;'\"()[]{}<>=!+-*/%&|^~@#\\\n\t", *_JUNK_WORDS.split(), "\x00", "𝔸", "（", "；"]
)


@given(st.one_of(st.text(max_size=80), st.lists(_JUNK_ALPHABET, max_size=40).map("".join)))
def test_junk_conditions_give_problems_never_exceptions(junk):
    result = check_expression(junk, dict(CATALOGUE.columns))
    assert result.tree is None or result.problems == ()
    assert all(p.message for p in result.problems)


@given(st.integers(min_value=1, max_value=3000))
def test_deeply_nested_or_very_long_conditions_give_problems(depth):
    for junk in ["(" * depth + "1" + ")" * depth, "-" * depth + "1 > 0", "not " * depth + "housing_unsafe"]:
        result = check_expression(junk, dict(CATALOGUE.columns))
        assert result.tree is None or result.problems == ()


@given(st.text(max_size=200))
def test_any_text_as_a_rule_set_loads_or_is_refused_with_problems(text):
    try:
        load_rule_set(text, catalogue=CATALOGUE)
    except RuleSetInvalid as error:
        assert error.problems
        assert all(p.message for p in error.problems)


@given(st.lists(_JUNK_ALPHABET, max_size=30).map("".join), st.text(max_size=40))
def test_junk_conditions_and_templates_in_a_rule_set_give_problems_never_exceptions(when, template):
    stored = load_rule_set(GOOD, catalogue=CATALOGUE).model_dump(mode="json")
    stored["rules"][0]["when"] = when
    stored["rules"][0]["explain"]["zh"] = template
    try:
        load_rule_set(stored, catalogue=CATALOGUE)
    except RuleSetInvalid as error:
        assert error.problems


def test_a_malformed_rule_does_not_hide_the_problems_of_the_others():
    text = GOOD.replace("    level: orange\n", "    level: purple\n").replace(
        "income_pc_12m < monitoring_line", "income_pc < monitoring_line"
    )
    assert _problems(text) == [
        ("medical", "purple", "“purple” is not a level; use red, orange or yellow", 9),
        ("low_income", "income_pc", "unknown indicator “income_pc”; did you mean “income_pc_12m”?", 15),
    ]
