"""The chunk driver: the income scale from a pilot sample, then the county's households chunk by chunk, each
turned into its five tables (households, members, incomes, shocks, ground truth).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fangpin.registry.codes import EliminationMethod, MedicalInsurance, MonitoringStatus, Sex
from fangpin.simulation.generate.arrays import _ascii_strings, _date32, _digits, _labels, _pick
from fangpin.simulation.generate.divisions import _build_county, _County
from fangpin.simulation.generate.identity import _identities, _IdNumbers
from fangpin.simulation.generate.monitoring import _monitor
from fangpin.simulation.generate.panel import _income_pc_12m, _panel
from fangpin.simulation.generate.params import (
    _DISASTER_WEIGHTS,
    _PILOT_STREAM,
    _SHOCK_CODES,
    CATEGORY_CODES,
    INCOME_COLUMNS,
    RISK_CODE_OF_SHOCK,
    SHOCK_TYPES,
    SimulationParams,
)
from fangpin.simulation.generate.population import (
    _DISABLED,
    _EDUCATION,
    _HEALTH,
    _ROLES,
    _SCHOOL,
    _SKILL,
    _population,
)
from fangpin.simulation.generate.timeline import _Calendar, _calendar, _month_date

_PILOT_HOUSEHOLDS = 8_000


@dataclass(frozen=True)
class CountyChunk:
    households: pa.Table
    members: pa.Table
    incomes: pa.Table
    shocks: pa.Table
    ground_truth: pa.Table


def _income_scale(params: SimulationParams, county: _County, calendar: _Calendar) -> float:
    """The factor that brings a pilot sample's mean income per person to the published level for end_month.

    The pilot runs the same model on its own random stream, so every chunk shares one scale and a chunk's
    households do not depend on which other households happen to share it.
    """
    rng = np.random.default_rng([params.seed, _PILOT_STREAM])
    village = rng.integers(0, len(county.village_codes), _PILOT_HOUSEHOLDS)
    weights = params.shock_weights
    pop = _population(rng, village, calendar)
    _monitor(rng, pop, calendar, weights)
    income_pc, _ = _income_pc_12m(_panel(rng, pop, county, calendar, weights), 1.0)
    return calendar.level / float(income_pc[:, -1].mean())


def _chunk(
    params: SimulationParams,
    county: _County,
    calendar: _Calendar,
    ids: _IdNumbers,
    scale: float,
    index: int,
    first: int,
    n: int,
    first_member_id: int,
) -> CountyChunk:
    rng = np.random.default_rng([params.seed, index])
    weights = params.shock_weights
    g = np.arange(first, first + n)
    village = np.searchsorted(county.village_start, g, side="right") - 1
    pop = _population(rng, village, calendar)
    _monitor(rng, pop, calendar, weights)
    panel = _panel(rng, pop, county, calendar, weights)
    income_pc, before_pc = _income_pc_12m(panel, scale)
    household_id = g + 1
    hh, total = pop.household, len(pop.household)
    ever = pop.category >= 0

    # Households
    seq = g - county.village_start[village] + 1
    village_codes = np.array([[ord(c) for c in code] for code in county.village_codes], dtype=np.uint8)
    number = _ascii_strings(np.concatenate([village_codes[village], _digits(seq, 4)], axis=1))
    township = county.village_township[village]
    address = pc.binary_join_element_wise(
        params.county_name,
        _labels(county.township_names, township),
        _labels(county.village_names, village),
        pc.cast(pa.array(seq), pa.string()),
        "号",
        "",
    )
    status = np.where(~ever, 0, np.where(pop.is_eliminated, 2, 1))
    n_risks = 1 + _pick(rng, n, [0.5, 0.3, 0.12, 0.05, 0.03])
    first_code = np.where(
        pop.first_cause == SHOCK_TYPES.index("disaster"),
        _pick(rng, n, list(_DISASTER_WEIGHTS)),
        _SHOCK_CODES.index("01"),
    )
    for t, code in RISK_CODE_OF_SHOCK.items():
        first_code = np.where(pop.first_cause == SHOCK_TYPES.index(t), _SHOCK_CODES.index(code), first_code)
    # Further causes: weighted draws without replacement (Gumbel top-k), never repeating the first one.
    extra_weights = np.array(
        [0.06, 0.03, 0.02, 0.005, 0.02, 0.001, 0.004, 0.3, 0.15, 0.2, 0.05, 0.05, 0.08, 0.08]
    )
    keys = np.log(extra_weights)[None, :] - np.log(-np.log(rng.random((n, len(_SHOCK_CODES)))))
    keys[np.arange(n), first_code] = np.inf
    ranked = np.argsort(-keys, axis=1)[:, :5]
    n_codes = np.where(ever, n_risks, 0)
    take = np.arange(5)[None, :] < n_codes[:, None]
    risk_codes = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(n_codes)]).astype(np.int32)),
        _labels(_SHOCK_CODES, ranked[take]),
    )
    poor_exit = 2014 + _pick(rng, n, [0.05, 0.10, 0.14, 0.17, 0.20, 0.20, 0.14])
    poor_exit = np.minimum(poor_exit, max(2014, _month_date(calendar.start_month_index).year))
    # Since 2020 housing, insurance and water are "guaranteed" (三保障): unsafe grades C/D, uninsured members and
    # unsafe water remain, but rarely (around 1 % of households), and more often among monitored ones.
    housing = np.where(
        ever, _pick(rng, n, [0.30, 0.65, 0.04, 0.01]), _pick(rng, n, [0.45, 0.542, 0.007, 0.001])
    )
    households = pa.table(
        {
            "household_id": pa.array(household_id, pa.int64()),
            "number": number,
            "village_code": _labels(county.village_codes, village),
            "address": address,
            "status": _labels([s.value for s in MonitoringStatus][:3], status),
            "category_code": _labels(CATEGORY_CODES, pop.category, mask=~ever),
            "risk_codes": risk_codes,
            "identified_on": _date32(pop.identified_on, mask=~ever),
            "eliminated_on": _date32(pop.eliminated_on, mask=~pop.is_eliminated),
            "elimination_method": _labels(
                ["", EliminationMethod.BY_ASSISTANCE.value, EliminationMethod.NATURAL.value],
                np.where(pop.is_eliminated, np.where(rng.random(n) < 0.8, 1, 2), 0),
            ),
            "is_formerly_poor": pa.array(pop.is_formerly_poor),
            "poverty_exit_year": pa.array(poor_exit.astype(np.int16), pa.int16(), mask=~pop.is_formerly_poor),
            "housing_grade": _labels(["A", "B", "C", "D"], housing),
            "has_safe_water": pa.array(rng.random(n) < np.where(ever, 0.97, 0.993)),
        }
    )

    # Members: names and ID numbers, then medical insurance.
    name, initials, id_number = _identities(rng, pop, ids)
    insured = _pick(rng, total, [0.962, 0.035, 0.003])
    insured = np.where((insured == 2) & ever[hh] & (rng.random(total) < 0.8), 0, insured)
    insured = np.where((insured == 1) & (pop.months_employed < 10), 0, insured)
    members = pa.table(
        {
            "member_id": pa.array(np.arange(first_member_id, first_member_id + total), pa.int64()),
            "household_id": pa.array(household_id[hh], pa.int64()),
            "name": name,
            "name_initials": initials,
            "id_number": id_number,
            "relation": _labels([r.value for r in _ROLES], pop.role),
            "sex": _labels([Sex.FEMALE.value, Sex.MALE.value], pop.is_male.astype(np.int64)),
            "birth_date": _date32(pop.birth_days),
            "education": _labels(["", *[e.value for e in _EDUCATION]], pop.education + 1),
            "school_status": _labels([s.value for s in _SCHOOL], pop.school),
            "health": _labels([h.value for h in _HEALTH], pop.health),
            "disability_grade": pa.array(
                pop.disability_grade.astype(np.int8), pa.int8(), mask=pop.health != _DISABLED
            ),
            "labour_skill": _labels([s.value for s in _SKILL], pop.skill),
            "medical_insurance": _labels([m.value for m in MedicalInsurance], insured),
            "months_employed": pa.array(pop.months_employed.astype(np.int8), pa.int8()),
            "is_resident": pa.array(pop.is_resident),
        }
    )

    months = len(calendar.month_days)
    month_col = _date32(np.tile(calendar.month_days, n))
    id_col = pa.array(np.repeat(household_id, months), pa.int64())
    incomes = pa.table(
        {"household_id": id_col, "period": month_col}
        | {c: pa.array(panel.amounts[c].ravel(), pa.float64()) for c in INCOME_COLUMNS}
    )
    shocks = pa.table(
        {
            "household_id": pa.array(household_id[panel.shock_household], pa.int64()),
            "month": _date32(calendar.month_days[panel.shock_month]),
            "shock_type": _labels(SHOCK_TYPES, panel.shock_type),
            "risk_code": _labels(_SHOCK_CODES, panel.shock_code),
            "cost": pa.array(np.round(panel.shock_expense + scale * panel.shock_loss, 2), pa.float64()),
        }
    )
    below = income_pc < params.line_yuan
    was_below = np.concatenate([(before_pc < params.line_yuan)[:, None], below[:, :-1]], axis=1)
    crossing = below & ~was_below
    falls = crossing & (np.cumsum(crossing, axis=1) == 1)
    ground_truth = pa.table(
        {
            "household_id": id_col,
            "month": month_col,
            "income_pc_12m": pa.array(np.round(income_pc, 2).ravel(), pa.float64()),
            "is_below_line": pa.array(below.ravel()),
            "falls_below": pa.array(falls.ravel()),
        }
    )
    return CountyChunk(households, members, incomes, shocks, ground_truth)


def generate_chunks(params: SimulationParams) -> Iterator[CountyChunk]:
    """The county's households in chunks of `params.chunk_size`, in order; only one chunk is alive at a time.

    Household and member ids are global, 1-based and contiguous across chunks; ID numbers are unique across the
    county because one issuer is shared by all chunks, so chunks must be consumed in order.
    """
    calendar = _calendar(params)
    county = _build_county(params, calendar)
    scale = _income_scale(params, county, calendar)
    ids = _IdNumbers(params.county_code)
    next_member = 1
    for index, first in enumerate(range(0, params.households, params.chunk_size)):
        n = min(params.chunk_size, params.households - first)
        chunk = _chunk(params, county, calendar, ids, scale, index, first, n, next_member)
        next_member += chunk.members.num_rows
        yield chunk
