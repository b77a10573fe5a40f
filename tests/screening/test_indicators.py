"""Each indicator on the tiny hand-made county (conftest.py), worked out by hand, on DuckDB and on PySpark.

The table is computed once per engine and module (Spark queries cost seconds); each test reads its columns.
Household 1: monitored, five members, full income both years, every feed. Household 2: three members, half a
year of income, a disaster. Household 3: no members and no income. Household 4: one earner who died.
"""

import dataclasses

import pytest

from fangpin.screening import engine as engines
from fangpin.screening.indicators import REGISTRY, Kind, indicator_table
from fangpin.screening.indicators.table import FORMULAS
from tests.screening.conftest import AS_OF, ENGINES


def _rows(table) -> dict[int, dict]:
    return {row["household_id"]: row for row in table.to_pylist()}


@pytest.fixture(scope="module", params=ENGINES)
def computed(request, tiny_county):
    """(all indicators with every feed, all indicators without any feed file) on one engine."""
    snapshot, feeds = tiny_county
    backend = (
        request.getfixturevalue("spark_backend") if request.param == "spark" else engines.connect("duckdb")
    )
    inputs = engines.load_inputs(backend, snapshot_dir=snapshot, feeds=feeds)
    without = dataclasses.replace(feeds, files={s: () for s in feeds.files})
    bare_inputs = engines.load_inputs(backend, snapshot_dir=snapshot, feeds=without)
    full = engines.to_arrow(indicator_table(inputs, as_of=AS_OF))
    bare = engines.to_arrow(indicator_table(bare_inputs, as_of=AS_OF))
    return _rows(full), _rows(bare), full.schema


@pytest.fixture(scope="module")
def rows(computed):
    return computed[0]


@pytest.fixture(scope="module")
def bare(computed):
    return computed[1]


def _column(rows, name) -> list:
    return [rows[h][name] for h in (1, 2, 3, 4)]


def test_every_indicator_has_labels_a_unit_a_description_and_a_formula():
    assert set(REGISTRY) == set(FORMULAS)
    for indicator in REGISTRY.values():
        assert indicator.label_zh and indicator.label_en and indicator.description and indicator.sources
        assert (indicator.unit == "") == (indicator.kind == Kind.BOOLEAN)


def test_the_table_has_the_keys_and_one_typed_column_per_indicator(computed):
    schema = computed[2]
    assert schema.names == ["household_id", "village_code", "township_code", *REGISTRY]
    assert str(schema.field("household_id").type) == "int64"
    assert str(schema.field("housing_grade").type) == "string"
    assert str(schema.field("labour_count").type) == "int64"
    assert str(schema.field("income_pc_12m").type) == "double"
    assert str(schema.field("is_monitored").type) == "bool"


def test_township_code_is_the_first_nine_digits_of_the_village_code_and_000(rows):
    assert _column(rows, "township_code") == ["450123100000", "450123101000", "450123100000", "450123101000"]


def test_income_per_person_sums_the_window_by_component_signs_over_resident_members(rows):
    # H1: 12 × (1000.10 + 200 + 100 − 50.05) = 15,000.60 over 4 residents (the fifth lives away); records
    # before the year before and after as_of's month do not count. H2: 6 × 500 over 3. H3, H4: no records.
    assert _column(rows, "income_pc_12m") == [pytest.approx(3750.15), pytest.approx(1000.0), None, None]


def test_income_change_compares_monthly_averages_and_is_null_without_last_years_data(rows):
    assert _column(rows, "income_pc_change_yoy") == [pytest.approx(15000.60 / 18000 - 1), None, None, None]


def test_medical_out_of_pocket_takes_the_larger_source_and_only_matched_stays_in_the_window(rows):
    # H1: stays 1,234.56 + 8,000 (not the one settled before the window, not the unmatched one) > survey 300.
    # H2: no stays, survey 12,000. H3/H4: the health feed came and had nothing for them.
    assert _column(rows, "medical_oop_12m") == [
        pytest.approx(9234.56),
        pytest.approx(12000.0),
        0.0,
        0.0,
    ]
    assert _column(rows, "medical_oop_max_stay") == [8000.0, 0.0, 0.0, 0.0]


def test_education_cost_sums_self_paid_schooling_and_is_null_without_income_records(rows):
    assert _column(rows, "education_cost_12m") == [pytest.approx(500.5), 0.0, None, None]


def test_children_out_of_school_count_ages_6_to_15_with_the_feed_overriding_the_registry(rows):
    # H1: member 3 is back in school per the feed, member 4 turns 6 today and is not in school.
    # H2: member 7 turns 16 today (past school age); member 8 dropped out (same-day rows: the worse wins).
    assert _column(rows, "children_out_of_school") == [1, 1, 0, 0]


def test_members_uninsured_counts_members_living_away_too(rows):
    assert _column(rows, "members_uninsured") == [2, 0, 0, 0]


def test_housing_grade_is_the_latest_appraisal_in_the_window_else_the_registry(rows):
    # H1's D appraisal is older than the window; H3's latest day has C and D: the worse one.
    assert _column(rows, "housing_grade") == ["B", "A", "D", "A"]
    assert _column(rows, "housing_unsafe") == [False, False, True, False]


def test_water_is_unsafe_per_the_households_row_its_villages_row_or_else_the_registry(rows):
    assert _column(rows, "water_unsafe") == [False, True, True, True]


def test_disabled_members_join_the_registry_and_new_certificates_without_counting_twice(rows):
    assert _column(rows, "disabled_members") == [2, 0, 0, 0]
    assert _column(rows, "has_disabled_member") == [True, False, False, False]


def test_earner_died_or_injured_needs_an_earner_and_an_event_in_the_window(rows):
    # H1: a labourer certified disabled; H2: the one who died is 76 without labour, the other died too early;
    # H4: a skilled labourer died.
    assert _column(rows, "earner_died_or_injured") == [True, False, False, True]


def test_disaster_loss_ratio_divides_household_losses_by_net_income(rows):
    # H2: 1,500 / 3,000. Village-level losses are not shared out; no income, no ratio.
    assert _column(rows, "disaster_loss_ratio") == [0.0, 0.5, None, None]


def test_relief_newly_granted_needs_a_relief_type_and_a_new_status(rows):
    assert _column(rows, "relief_newly_granted") == [True, False, False, True]


def test_job_loss_or_unpaid_wages_counts_matched_events_in_the_window(rows):
    assert _column(rows, "job_loss_or_unpaid_wages") == [2, 0, 0, 0]


def test_labour_count_and_dependency_ratio(rows):
    assert _column(rows, "labour_count") == [2, 1, 0, 1]
    # H1: 13, 6 and 65 years old over 46 and 44; H2: 76 and 15 over 16; H3: nobody of working age.
    assert _column(rows, "dependency_ratio") == [1.5, 2.0, None, 0.0]


def test_microcredit_arrears_is_the_largest_overdue_amount(rows):
    assert _column(rows, "microcredit_arrears") == [30000.0, 0.0, 0.0, 0.0]


def test_household_facts(rows):
    assert _column(rows, "is_monitored") == [True, False, False, False]
    assert _column(rows, "is_formerly_poor") == [True, False, False, False]
    assert _column(rows, "resident_members") == [4, 3, 0, 1]


def test_without_a_feed_file_its_indicators_are_null_and_the_registry_still_counts(bare):
    assert _column(bare, "medical_oop_12m") == [300.0, 12000.0, None, None]
    for name in (
        "medical_oop_max_stay",
        "earner_died_or_injured",
        "relief_newly_granted",
        "job_loss_or_unpaid_wages",
        "microcredit_arrears",
    ):
        assert _column(bare, name) == [None] * 4, name
    assert _column(bare, "disaster_loss_ratio") == [None] * 4
    assert _column(bare, "children_out_of_school") == [2, 0, 0, 0]  # the registry's 非在校生 only
    assert _column(bare, "housing_grade") == ["B", "A", "C", "A"]
    assert _column(bare, "water_unsafe") == [False, False, True, False]
    assert _column(bare, "disabled_members") == [1, 0, 0, 0]


def test_only_the_requested_indicators_are_computed(tiny_county):
    snapshot, feeds = tiny_county
    inputs = engines.load_inputs(engines.connect("duckdb"), snapshot_dir=snapshot, feeds=feeds)
    table = indicator_table(inputs, as_of=AS_OF, names=["labour_count", "is_monitored"])
    assert table.columns == ("household_id", "village_code", "township_code", "labour_count", "is_monitored")
    sql = str(table.compile())
    assert "feed_" not in sql and "incomes" not in sql


def test_an_unknown_indicator_is_refused_by_name(tiny_county):
    snapshot, feeds = tiny_county
    inputs = engines.load_inputs(engines.connect("duckdb"), snapshot_dir=snapshot, feeds=feeds)
    with pytest.raises(KeyError, match="income_per_head"):
        indicator_table(inputs, as_of=AS_OF, names=["income_per_head"])
