"""Explanations of rules in plain words, in Chinese and English, from the evidence values of one household."""

from decimal import Decimal

import pytest

from fangpin.screening.rules import load_rule_set
from fangpin.screening.rules.templates import explain, format_value
from tests.screening.test_rules_language import CATALOGUE, GOOD


@pytest.fixture(scope="module")
def rules():
    return load_rule_set(GOOD, catalogue=CATALOGUE)


def test_the_medical_explanation_reads_as_a_cadre_would_say_it(rules):
    values = {"medical_oop_12m": Decimal("23400.00"), "medical_oop_year": 20000}
    assert explain(rules.rule("medical"), values, language="zh") == "医疗自付 23,400 元，超过 20,000 元"
    assert (
        explain(rules.rule("medical"), values, language="en")
        == "Medical costs 23,400 yuan, more than 20,000 yuan"
    )


def test_django_language_codes_choose_the_template_too(rules):
    values = {"income_pc_12m": 5432.49}
    assert explain(rules.rule("low_income"), values, language="zh-hans") == "人均 5,432 元"
    assert explain(rules.rule("low_income"), values, language="en-us") == "5,432 yuan per person"


@pytest.mark.parametrize(
    ("value", "spec", "language", "expected"),
    [
        (Decimal("23400.00"), "yuan", "zh", "23,400"),
        (23400.5, "yuan", "zh", "23,401"),  # half up, as money is rounded on paper
        (1234567, "yuan", "en", "1,234,567"),
        (-0.35, "percent", "zh", "-35%"),
        (-0.345, "percent", "en", "-35%"),
        (0.3, "percent", "en", "30%"),
        (1.5, "percent", "en", "150%"),
        (1234.5, "number", "en", "1,234.5"),
        (1234.5, "", "en", "1,234.5"),
        (3, "", "zh", "3"),
        (0.126, "", "zh", "0.13"),
        (True, "", "zh", "是"),
        (False, "", "zh", "否"),
        (True, "", "en", "yes"),
        ("C", "", "zh", "C"),
        (None, "yuan", "zh", "—"),
        (None, "", "en", "—"),
        (float("nan"), "yuan", "en", "—"),
        ("not a number", "yuan", "en", "—"),
    ],
)
def test_values_are_formatted_the_chinese_way(value, spec, language, expected):
    assert format_value(value, spec, language) == expected


def test_a_missing_indicator_value_prints_as_a_dash(rules):
    values = {"medical_oop_12m": None, "medical_oop_year": 20000}
    assert explain(rules.rule("medical"), values, language="zh") == "医疗自付 — 元，超过 20,000 元"


def test_evidence_without_a_placeholder_value_is_a_programming_error(rules):
    with pytest.raises(KeyError, match="medical_oop_year"):
        explain(rules.rule("medical"), {"medical_oop_12m": 1}, language="zh")
