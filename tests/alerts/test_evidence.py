"""Evidence in plain words: the rules' explanations in the reader's language, whatever the channel."""

import pytest
from django.utils.translation import gettext_lazy

from fangpin.alerts.evidence import bilingual, explain_lines, feed_batches, rule_lines, value_fact
from fangpin.alerts.self_reports import mask_phone, normalize_reference
from fangpin.screening.services import rule_set_install_default
from tests.alerts.conftest import evidence


def test_rule_explanations_come_in_the_page_language():
    assert explain_lines(evidence(), "zh-hans") == ["医疗自付 23,400 元，超过 20,000 元"]
    assert explain_lines(evidence(), "en") == ["Medical self-payment 23400.00 yuan, above 20,000 yuan"]


@pytest.mark.django_db
def test_screening_evidence_is_rendered_from_its_rule_set_version_in_the_page_language():
    rule_set = rule_set_install_default(actor="test")
    stored = {
        "rule_set": rule_set.pk,
        "rules": [
            {"rule": "medical_oop_year", "values": {"medical_oop_12m": 23400.4}},
            {"rule": "income_below_line", "values": {"income_pc_12m": 5210.5}},
            {"rule": "retired_meanwhile", "values": {}},
        ],
        "line": "6000.00",
    }
    assert explain_lines(stored, "zh-hans") == [
        "近12个月医疗自付 23,400 元，超过 20,000 元",
        # monitoring_line is the run's line, kept in the evidence; the threshold comes from the version.
        "近12个月家庭人均纯收入 5,211 元，低于防止返贫监测范围 6,000 元",
        "retired_meanwhile",  # a rule the version does not know shows its code rather than failing
    ]
    assert explain_lines(stored, "en")[0] == (
        "Medical costs paid out of pocket over the last 12 months were 23,400 yuan, more than 20,000 yuan"
    )
    assert rule_lines(stored, "zh-hans")[0].name == "医疗自付费用过高"
    # Each value under its indicator's label, in words with its unit.
    assert rule_lines(stored, "zh-hans")[1].facts == [("近12个月家庭人均纯收入", "5,211 元/人")]
    assert rule_lines(stored, "en")[0].facts == [
        ("Medical out-of-pocket costs, last 12 months", "23,400 yuan")
    ]
    assert rule_lines(stored, "zh-hans")[2].facts == []


def test_values_read_in_words_with_their_units():
    assert value_fact("income_pc_change_yoy", -0.354, "zh") == ("人均纯收入同比变化", "-35%")
    assert value_fact("earner_died_or_injured", True, "en")[1] == "yes"
    assert value_fact("labour_count", 2, "zh") == ("劳动力人数", "2")
    assert value_fact("medical_oop_12m", None, "zh")[1] == "—"
    assert value_fact("gone_from_the_registry", 3, "en") == ("gone_from_the_registry", "3")


def test_a_missing_language_falls_back_to_the_other():
    only_zh = {"rules": [{"rule": "r1", "explain": {"zh": "只有中文"}}]}
    assert explain_lines(only_zh, "en") == ["只有中文"]


def test_a_rule_without_an_explanation_shows_its_name_or_code():
    assert explain_lines({"rules": [{"rule": "r1", "name": {"en": "Rule one"}}]}, "en") == ["Rule one"]
    assert explain_lines({"rules": [{"rule": "r2"}]}, "en") == ["r2"]


def test_evidence_added_by_other_channels_is_read_too():
    merged = {**evidence(), "added": [{"source": "feed", "evidence": {"explain": {"en": "Police: death"}}}]}
    assert explain_lines(merged, "en")[-1] == "Police: death"


def test_malformed_evidence_reads_as_nothing_rather_than_failing():
    assert explain_lines({"rules": "oops", "added": [3]}, "en") == []
    assert rule_lines({"rules": [1, {"rule": "x", "values": []}]}, "en")[0].values == {}
    assert feed_batches({"sources": {"医保": [1, "2", "x"], "bad": 3}}) == {"医保": [1, 2]}


def test_a_sentence_is_stored_in_both_languages():
    assert bilingual(gettext_lazy("Self-report: %(difficulty)s"), difficulty="x") == {
        "zh": "一键申报：x",
        "en": "Self-report: x",
    }


def test_phones_are_masked_and_references_forgive_typing():
    assert mask_phone("13812341234") == "138****1234"
    assert normalize_reference(" abcd-efgo ") == "ABCDEFG0"
    assert normalize_reference("il") == "11"
