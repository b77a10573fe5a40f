"""The simulated county generator: determinism, identity, structure, ground truth and calibration (no database)."""

import dataclasses
import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fangpin.divisions.codes import level_of, parent_code
from fangpin.registry.codes import Health, Relation, SchoolStatus, Sex
from fangpin.registry.id_numbers import is_valid_id_number
from fangpin.registry.income import COMPONENT_SIGNS
from fangpin.simulation import calibration
from fangpin.simulation.generate import (
    RISK_CODE_OF_SHOCK,
    CountyChunk,
    SimulationParams,
    build_divisions,
    generate_chunks,
)
from fangpin.simulation.summary import SummaryAccumulator

SMALL = SimulationParams(households=5_000, seed=11, chunk_size=1_000, end_month=dt.date(2024, 12, 1))
TABLES = ("households", "members", "incomes", "shocks", "ground_truth")


def _county(chunks: list[CountyChunk]) -> dict[str, pa.Table]:
    return {name: pa.concat_tables([getattr(c, name) for c in chunks]) for name in TABLES}


@pytest.fixture(scope="module")
def small_chunks() -> list[CountyChunk]:
    return list(generate_chunks(SMALL))


@pytest.fixture(scope="module")
def small(small_chunks) -> dict[str, pa.Table]:
    return _county(small_chunks)


def _np(column) -> np.ndarray:
    return column.to_numpy(zero_copy_only=False)


# Determinism


def test_the_same_parameters_give_identical_tables(small):
    again = _county(list(generate_chunks(SMALL)))
    for name in TABLES:
        assert again[name].equals(small[name]), name
    assert build_divisions(SMALL).equals(build_divisions(SMALL))


def test_a_different_seed_gives_different_people_incomes_and_shocks(small):
    other = _county(list(generate_chunks(dataclasses.replace(SMALL, seed=12))))
    assert not other["members"]["id_number"].equals(small["members"]["id_number"])
    assert not other["incomes"].equals(small["incomes"])
    assert not other["shocks"].equals(small["shocks"])


# Identity


def test_every_id_number_is_unique_and_a_sample_passes_validation(small):
    ids = small["members"]["id_number"]
    assert pc.count_distinct(ids).as_py() == len(ids)
    sample = _np(ids)[:: max(1, len(ids) // 3_000)]
    assert len(sample) >= 2_000
    invalid = [n for n in sample if not is_valid_id_number(n)]
    assert invalid == []


def test_id_numbers_never_repeat_when_more_people_share_a_birth_date_than_a_region_has_order_codes():
    from fangpin.simulation.generate import _IdNumbers

    issuer = _IdNumbers("450123000000")
    days = np.full(1_200, 3_000)  # 1978-03-20, for 600 men and 600 women, twice: 499 fit in one region
    male = np.arange(1_200) % 2 == 0
    first = _np(issuer.issue(np.zeros(1_200, np.int64), days, male))
    second = _np(issuer.issue(np.zeros(1_200, np.int64), days, male))
    numbers = np.concatenate([first, second])
    assert len(set(numbers)) == len(numbers)
    assert all(is_valid_id_number(n) for n in numbers[::50])


def test_id_numbers_carry_each_members_birth_date_and_sex(small):
    members = small["members"]
    ids = members["id_number"]
    birth = pc.strftime(members["birth_date"], format="%Y%m%d")
    assert pc.all(pc.equal(pc.utf8_slice_codeunits(ids, 6, 14), birth)).as_py()
    order_digit = pc.cast(pc.utf8_slice_codeunits(ids, 16, 17), pa.int8())
    is_odd = pc.equal(pc.bit_wise_and(order_digit, 1), 1)
    assert pc.all(pc.equal(is_odd, pc.equal(members["sex"], Sex.MALE.value))).as_py()
    assert pc.all(pc.starts_with(ids, SMALL.county_code[:4])).as_py()


def test_pinyin_initials_have_one_lower_case_letter_per_character_of_the_name(small):
    names, initials = _np(small["members"]["name"]), _np(small["members"]["name_initials"])
    assert all(len(n) == len(i) and i.isascii() and i.islower() for n, i in zip(names, initials, strict=True))
    assert min(len(n) for n in names) >= 2 and max(len(n) for n in names) <= 3


# Structure


def test_ids_are_global_one_based_and_contiguous_across_chunks(small_chunks):
    assert len(small_chunks) == 5
    household_ids = np.concatenate([_np(c.households["household_id"]) for c in small_chunks])
    member_ids = np.concatenate([_np(c.members["member_id"]) for c in small_chunks])
    assert (household_ids == np.arange(1, SMALL.households + 1)).all()
    assert (member_ids == np.arange(1, len(member_ids) + 1)).all()
    for chunk in small_chunks:
        own = set(_np(chunk.households["household_id"]))
        for name in ("members", "incomes", "shocks", "ground_truth"):
            assert set(_np(getattr(chunk, name)["household_id"])) <= own, name


def test_every_household_has_exactly_one_head_and_a_resident(small):
    members = small["members"]
    heads = members.filter(pc.equal(members["relation"], Relation.HEAD.value))
    assert sorted(_np(heads["household_id"])) == list(range(1, SMALL.households + 1))
    assert pc.all(heads["is_resident"]).as_py()
    size = np.bincount(_np(members["household_id"]))[1:]
    assert size.min() >= 1 and size.max() <= 8


def _completed_years(births: list[dt.date], on: dt.date) -> np.ndarray:
    return np.array([on.year - b.year - ((on.month, on.day) < (b.month, b.day)) for b in births])


def test_ages_are_plausible_for_each_relation(small):
    members = small["members"]
    years = _completed_years(members["birth_date"].to_pylist(), dt.date(2024, 1, 1))  # the panel start
    relation = _np(members["relation"])
    heads = years[relation == Relation.HEAD.value]
    assert heads.min() >= 25 and heads.max() <= 85
    assert years[relation == Relation.SPOUSE.value].min() >= 20
    assert years[relation == Relation.GRANDCHILD.value].max() <= 17
    assert years[relation == Relation.PARENT.value].min() >= 25 + 22
    pupils = (years >= 7) & (years < 15)
    in_compulsory = np.isin(
        _np(members["school_status"]), [SchoolStatus.PRIMARY.value, SchoolStatus.JUNIOR.value]
    )
    assert 0.95 < in_compulsory[pupils].mean() < 1.0  # a few dropouts, not none and not many


def test_disability_grade_is_given_exactly_for_disabled_members(small):
    members = small["members"]
    disabled = pc.equal(members["health"], Health.DISABLED.value)
    assert pc.all(pc.equal(disabled, pc.is_valid(members["disability_grade"]))).as_py()
    grades = _np(members["disability_grade"].drop_null())
    assert set(grades) <= {1, 2, 3, 4}


def test_divisions_form_a_county_tree_with_valid_codes_and_unique_names(small):
    divisions = build_divisions(SMALL)
    rows = divisions.to_pylist()
    assert sum(r["level"] == "county" for r in rows) == 1
    villages = [r for r in rows if r["level"] == "village"]
    assert len(villages) >= 5 and sum(r["level"] == "township" for r in rows) >= 2
    for r in rows:
        assert level_of(r["code"]) == r["level"]
        assert r["parent_code"] == (None if r["level"] == "county" else parent_code(r["code"]))
    assert len({(r["parent_code"], r["name"]) for r in rows}) == len(rows)
    assert set(_np(small["households"]["village_code"])) <= {r["code"] for r in villages}
    assert pc.count_distinct(small["households"]["number"]).as_py() == SMALL.households


# Shocks and ground truth


def test_shocks_carry_the_national_risk_code_of_their_type(small):
    shocks = small["shocks"]
    assert shocks.num_rows > 0
    for kind, code in zip(_np(shocks["shock_type"]), _np(shocks["risk_code"]), strict=True):
        if kind == "disaster":
            assert code.startswith("02") and len(code) == 4
        else:
            assert code == RISK_CODE_OF_SHOCK[kind]
    assert pc.min(shocks["cost"]).as_py() >= 0


def test_a_disaster_hits_every_household_of_its_village_even_when_the_village_spans_chunks():
    # Chunks of 300 households are smaller than almost every village, so most villages span two or more.
    params = SimulationParams(households=20_000, seed=5, chunk_size=300, risk_mix={"disaster": 1.0})
    county = _county(list(generate_chunks(params)))
    households, shocks = county["households"], county["shocks"]
    village_of = _np(households["village_code"])
    village_sizes = dict(zip(*np.unique(village_of, return_counts=True), strict=True))
    disasters = shocks.filter(pc.equal(shocks["shock_type"], "disaster"))
    assert disasters.num_rows > 0
    hit: dict[tuple, set] = {}
    for household, month in zip(_np(disasters["household_id"]), _np(disasters["month"]), strict=True):
        hit.setdefault((village_of[household - 1], month), set()).add(household)
    assert all(len(members) == village_sizes[village] for (village, _), members in hit.items())
    chunks_of_hit_villages = [{(h - 1) // 300 for h in members} for members in hit.values()]
    assert max(len(c) for c in chunks_of_hit_villages) > 1


def test_ground_truth_income_is_the_registry_formula_over_the_stored_months(small):
    incomes, members, truth = small["incomes"], small["members"], small["ground_truth"]
    n = SMALL.households
    net = sum(sign * _np(incomes[c]) for c, sign in COMPONENT_SIGNS.items()).reshape(n, SMALL.months)
    residents = np.bincount(_np(members["household_id"]), weights=_np(members["is_resident"]))[1:]
    last = _np(truth["income_pc_12m"]).reshape(n, SMALL.months)[:, -1]
    assert np.allclose(net.sum(axis=1) / residents, last, atol=0.011)
    for c in incomes.column_names[2:]:
        assert pc.min(incomes[c]).as_py() >= 0, c


def test_falls_below_marks_only_the_first_crossing_from_above_to_below(small):
    truth = small["ground_truth"]
    n, months = SMALL.households, SMALL.months
    below = _np(truth["is_below_line"]).reshape(n, months)
    falls = _np(truth["falls_below"]).reshape(n, months)
    pc_12m = _np(truth["income_pc_12m"]).reshape(n, months)
    assert (below == (pc_12m < SMALL.line_yuan)).all()
    assert falls.sum(axis=1).max() <= 1
    assert falls.sum() > 0
    assert below[falls].all()
    rows, cols = np.nonzero(falls[:, 1:])
    assert not below[rows, cols].any()  # the month before a fall was above the line


def test_monitored_households_are_poorer_than_the_others(small):
    households, truth = small["households"], small["ground_truth"]
    status = _np(households["status"])
    last = _np(truth["income_pc_12m"]).reshape(SMALL.households, SMALL.months)[:, -1]
    assert np.median(last[status == "monitored"]) < 0.7 * np.median(last[status == "normal"])
    ever = status != "normal"
    assert (_np(pc.list_value_length(households["risk_codes"]))[ever] >= 1).all()
    assert (_np(pc.list_value_length(households["risk_codes"]))[~ever] == 0).all()
    unstable = _np(households["category_code"].fill_null("")) == "unstable-formerly-poor"
    assert _np(households["is_formerly_poor"])[unstable].all()


# Calibration


@pytest.mark.parametrize(
    ("end_month", "income_target"),
    [(dt.date(2020, 12, 1), "income_pc_2020"), (dt.date(2024, 12, 1), "income_pc_2024")],
)
def test_a_county_of_twenty_thousand_households_meets_the_published_targets(end_month, income_target):
    params = SimulationParams(households=20_000, seed=3, end_month=end_month)
    acc = SummaryAccumulator(params.line_yuan)
    for chunk in generate_chunks(params):
        acc.add(chunk)
    s = acc.result()
    observed = {
        "mean_household_size": s.mean_household_size,
        income_target: s.mean_income_pc,
        "ever_monitored_share": s.ever_monitored_share,
        "category_share_unstable": s.category_shares["unstable-formerly-poor"],
        "category_share_marginal": s.category_shares["marginal"],
        "category_share_sudden": s.category_shares["sudden-hardship"],
        "eliminated_share": s.eliminated_share,
        "illness_share_of_first_risk": s.illness_share_of_first_risks,
    }
    missed = {
        name: (value, calibration.target(name).low, calibration.target(name).high)
        for name, value in observed.items()
        if not calibration.target(name).holds(value)
    }
    assert missed == {}
    assert s.households == 20_000 and len(s.lines()) >= 5


def test_the_income_level_follows_the_published_growth_between_2020_and_2024():
    assert calibration.income_level(dt.date(2020, 12, 1)) == pytest.approx(12_588)
    assert calibration.income_level(dt.date(2024, 12, 1)) == pytest.approx(17_522)
    assert 12_588 < calibration.income_level(dt.date(2022, 6, 1)) < 17_522


def test_the_risk_mix_parameter_changes_which_shocks_happen():
    params = SimulationParams(households=5_000, seed=4, risk_mix={"job_loss": 1.0})
    kinds = set()
    for chunk in generate_chunks(params):
        kinds |= set(_np(chunk.shocks["shock_type"]))
    assert kinds == {"job_loss"}


# Parameters


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"households": 999}, "1,000 to 1,000,000"),
        ({"households": 1_000_001}, "1,000 to 1,000,000"),
        ({"households": 5_000.0}, "whole number"),
        ({"months": 0}, "months"),
        ({"months": 61}, "months"),
        ({"end_month": dt.date(2024, 12, 15)}, "first day of a month"),
        ({"end_month": dt.date(2019, 12, 1)}, "between 2020-01 and 2035-12"),
        ({"county_code": "450123100000"}, "county"),
        ({"county_code": "990123000000"}, "county"),
        ({"line_yuan": 0.0}, "line_yuan"),
        ({"risk_mix": {"flood": 1.0}}, "unknown shock types"),
        ({"risk_mix": {"illness": 0.0}}, "positive sum"),
        ({"chunk_size": 10}, "chunk_size"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_are_refused_with_a_message_that_names_the_problem(changes, message):
    with pytest.raises(ValueError, match=message):
        SimulationParams(**{"households": 1_000, **changes})
