"""The simulated county (DESIGN.md §7): divisions, households, members, a monthly income panel with shocks and
recovery, and the ground truth of who falls below the monitoring line — numpy and pyarrow, one chunk at a time.

Everything is vectorised over households and members; Python loops run only over chunks, months, shock types
and townships. Draws come from `default_rng([seed, chunk])` per chunk plus separate county-level streams, so the
same parameters always give the same tables.
"""

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fangpin.divisions.codes import InvalidDivisionCode, Level, level_of
from fangpin.registry.codes import (
    Education,
    EliminationMethod,
    Health,
    LabourSkill,
    MedicalInsurance,
    MonitoringStatus,
    Relation,
    SchoolStatus,
    Sex,
)
from fangpin.registry.id_numbers import PROVINCE_CODES
from fangpin.registry.income import COMPONENT_SIGNS
from fangpin.simulation import calibration, names

SHOCK_TYPES = (
    "illness",
    "disability",
    "accident",
    "death_of_earner",
    "disaster",
    "business_failure",
    "job_loss",
    "school_costs",
)
# Illness dominant and disability second, as in the 2013–2015 registration data (DESIGN.md §7).
DEFAULT_RISK_MIX: Mapping[str, float] = {
    "illness": 0.43,
    "disability": 0.17,
    "accident": 0.07,
    "death_of_earner": 0.03,
    "disaster": 0.11,
    "business_failure": 0.06,
    "job_loss": 0.08,
    "school_costs": 0.05,
}
RISK_CODE_OF_SHOCK = {
    "illness": "01",
    "disability": "03",
    "death_of_earner": "04",
    "accident": "05",
    "business_failure": "06",
    "job_loss": "07",
    "school_costs": "09",
}
# Floods and landslides dominate in Guangxi; every disaster event draws one of these sub-codes.
DISASTER_CODES = ("0201", "0202", "0203", "0204", "0205", "0206", "0299")
_DISASTER_WEIGHTS = np.array([0.42, 0.22, 0.14, 0.05, 0.12, 0.01, 0.04])

CATEGORY_CODES = ("unstable-formerly-poor", "marginal", "sudden-hardship")
INCOME_COLUMNS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "production_cost",
    "medical_self_paid",
    "schooling_self_paid",
    "claims_income",
)

# Monitoring stock at the panel start (DESIGN.md §7): ~3 % of households ever monitored (Baoshan 2.6 %).
MONITORED_SHARE = 0.03
FORMERLY_POOR_SHARE = 0.15
# Any shock in a household-month; ≈ 11 % of households a year meet at least one.
SHOCK_RATE = 0.01
_PILOT_HOUSEHOLDS = 8_000
_COUNTY_STREAM = 2**31 - 1
_PILOT_STREAM = 2**31 - 2
_EPOCH = dt.date(1970, 1, 1)
_FIRST_BIRTH_DAY = (dt.date(1900, 1, 1) - _EPOCH).days
_ORDER_CODES_PER_SEX = 499  # order codes 001–997 (odd, men) and 002–998 (even, women)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


@dataclass(frozen=True)
class SimulationParams:
    households: int
    seed: int = 2026
    months: int = 12
    end_month: dt.date = dt.date(2026, 10, 1)
    county_code: str = "450123000000"
    county_name: str = "安宁县"
    line_yuan: float = 6000.0
    risk_mix: Mapping[str, float] | None = None
    chunk_size: int = 20_000

    def __post_init__(self) -> None:
        def whole(value: object) -> bool:
            return isinstance(value, int | np.integer) and not isinstance(value, bool)

        if not whole(self.households) or not 1_000 <= self.households <= 1_000_000:
            raise ValueError(
                f"households must be a whole number from 1,000 to 1,000,000, not {self.households!r}."
            )
        if not whole(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative whole number, not {self.seed!r}.")
        if not whole(self.months) or not 1 <= self.months <= 60:
            raise ValueError(f"months must be a whole number from 1 to 60, not {self.months!r}.")
        if not whole(self.chunk_size) or self.chunk_size < 100:
            raise ValueError(f"chunk_size must be a whole number of at least 100, not {self.chunk_size!r}.")
        end = self.end_month
        if not isinstance(end, dt.date) or isinstance(end, dt.datetime) or end.day != 1:
            raise ValueError(f"end_month must be a date on the first day of a month, not {end!r}.")
        if not dt.date(2020, 1, 1) <= end <= dt.date(2035, 12, 1):
            raise ValueError(f"end_month must lie between 2020-01 and 2035-12, not {end:%Y-%m}.")
        try:
            is_county = isinstance(self.county_code, str) and level_of(self.county_code) == Level.COUNTY
        except InvalidDivisionCode:
            is_county = False
        if not is_county or self.county_code[:2] not in PROVINCE_CODES:
            raise ValueError(f"county_code must be the 12-digit code of a county, not {self.county_code!r}.")
        if not isinstance(self.county_name, str) or not self.county_name.strip():
            raise ValueError("county_name must not be empty.")
        if not _is_number(self.line_yuan) or not math.isfinite(self.line_yuan) or self.line_yuan <= 0:
            raise ValueError(f"line_yuan must be a positive number of yuan, not {self.line_yuan!r}.")
        if self.risk_mix is not None:
            unknown = sorted(set(self.risk_mix) - set(SHOCK_TYPES))
            if unknown:
                raise ValueError(
                    f"risk_mix has unknown shock types {unknown}; known: {', '.join(SHOCK_TYPES)}."
                )
            values = list(self.risk_mix.values())
            if any(not _is_number(v) or not math.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
                raise ValueError("risk_mix weights must be non-negative numbers with a positive sum.")

    @property
    def shock_weights(self) -> np.ndarray:
        """The weight of each of SHOCK_TYPES, summing to 1 (missing types in `risk_mix` weigh 0)."""
        mix = DEFAULT_RISK_MIX if self.risk_mix is None else self.risk_mix
        w = np.array([float(mix.get(t, 0.0)) for t in SHOCK_TYPES])
        return w / w.sum()


@dataclass(frozen=True)
class CountyChunk:
    households: pa.Table
    members: pa.Table
    incomes: pa.Table
    shocks: pa.Table
    ground_truth: pa.Table


# --------------------------------------------------------------------------------------------------------------
# Calendar and county


@dataclass(frozen=True)
class _Calendar:
    month_days: np.ndarray  # date32 day numbers of the panel months
    month_of_year: np.ndarray  # 0 = January
    start_month_index: int  # year * 12 + month - 1 of the first panel month
    trend: np.ndarray  # income level of each panel month relative to the 12 months ending at end_month
    pre_trend: np.ndarray  # the same for the 12 months before the panel
    level: float  # calibrated mean income per person over the 12 months ending at end_month
    line_share: float  # the monitoring line as a share of that level
    price: float  # medical and schooling prices relative to 2024

    @property
    def start_days(self) -> int:
        return int(self.month_days[0])


def _month_date(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _days(d: dt.date) -> int:
    return (d - _EPOCH).days


def _calendar(params: SimulationParams) -> _Calendar:
    end = params.end_month.year * 12 + params.end_month.month - 1
    start = end - params.months + 1
    indices = np.arange(start, end + 1)
    growth = calibration.INCOME_GROWTH
    offset = np.arange(-params.months + 1, 1)
    pre_offset = np.arange(-params.months - 11, -params.months + 1)
    level = calibration.income_level(params.end_month)
    return _Calendar(
        month_days=np.array([_days(_month_date(int(i))) for i in indices], dtype=np.int32),
        month_of_year=indices % 12,
        start_month_index=start,
        # Centred so the 12 months ending at end_month average 1.
        trend=growth ** ((offset + 5.5) / 12),
        pre_trend=growth ** ((pre_offset + 5.5) / 12),
        level=level,
        line_share=params.line_yuan / level,
        price=level / calibration.INCOME_PC_2024,
    )


@dataclass(frozen=True)
class _County:
    township_codes: list[str]
    township_names: list[str]
    village_codes: list[str]
    village_names: list[str]
    village_township: np.ndarray
    village_start: np.ndarray  # first household index of each village, plus the total at the end
    disaster_hit: np.ndarray  # (villages, months) bool: a whole village hit in that month
    disaster_code: np.ndarray  # (villages, months) index into DISASTER_CODES


def _spread(rng: np.random.Generator, total: int, bins: int, sigma: float) -> np.ndarray:
    """`total` split into `bins` positive counts with lognormal-weighted sizes."""
    weights = rng.lognormal(0.0, sigma, bins)
    return 1 + rng.multinomial(total - bins, weights / weights.sum())


def _build_county(params: SimulationParams, calendar: _Calendar) -> _County:
    rng = np.random.default_rng([params.seed, _COUNTY_STREAM])
    n_villages = max(5, round(params.households / 400))
    n_townships = min(999, max(2, round(n_villages / 15), math.ceil(n_villages / 999)))
    per_township = _spread(rng, n_villages, n_townships, 0.3)
    households = _spread(rng, params.households, n_villages, 0.35)
    if per_township.max() > 999 or households.max() > 9999:
        raise RuntimeError("A township got more than 999 villages or a village more than 9,999 households.")

    place = names.PLACES.text.to_pylist()
    picks = rng.choice(len(place), n_townships, replace=False)
    suffix = np.where(rng.random(n_townships) < 0.6, "镇", "乡")
    township_names = ["城关镇", *[place[p] + s for p, s in zip(picks[1:], suffix[1:], strict=True)]]
    # Township codes 100+ for towns and villages 200+ for village committees, as in the statistical codes.
    t_base = 100 if n_townships <= 899 else 1
    prefix = params.county_code[:6]
    township_codes = [f"{prefix}{t_base + i:03d}000" for i in range(n_townships)]
    village_codes, village_names, village_township = [], [], []
    for t, k in enumerate(per_township):
        v_base = 201 if k <= 798 else 1
        village_codes += [f"{township_codes[t][:9]}{v_base + j:03d}" for j in range(k)]
        village_names += [place[p] + "村" for p in rng.choice(len(place), k, replace=False)]
        village_township += [t] * int(k)

    months = len(calendar.month_days)
    # A village-month is hit with the disaster share of the shock rate, so disasters keep their share of shocks.
    p_disaster = SHOCK_RATE * params.shock_weights[SHOCK_TYPES.index("disaster")]
    return _County(
        township_codes=township_codes,
        township_names=township_names,
        village_codes=village_codes,
        village_names=village_names,
        village_township=np.array(village_township),
        village_start=np.concatenate([[0], np.cumsum(households)]),
        disaster_hit=rng.random((n_villages, months)) < p_disaster,
        disaster_code=rng.choice(len(DISASTER_CODES), (n_villages, months), p=_DISASTER_WEIGHTS),
    )


def build_divisions(params: SimulationParams) -> pa.Table:
    """The county, its townships and villages: code, name, level, parent_code (null for the county)."""
    county = _build_county(params, _calendar(params))
    parents = [county.township_codes[t] for t in county.village_township]
    n_t = len(county.township_codes)
    return pa.table(
        {
            "code": pa.array(
                [params.county_code, *county.township_codes, *county.village_codes], pa.string()
            ),
            "name": pa.array(
                [params.county_name, *county.township_names, *county.village_names], pa.string()
            ),
            "level": pa.array(
                [Level.COUNTY.value] + [Level.TOWNSHIP.value] * n_t + [Level.VILLAGE.value] * len(parents),
                pa.string(),
            ),
            "parent_code": pa.array([None] + [params.county_code] * n_t + parents, pa.string()),
        }
    )


# --------------------------------------------------------------------------------------------------------------
# Small vectorised helpers


def _labels(
    values: tuple[str, ...] | list[str], index: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index, pa.int32(), mask=mask))


def _pick(rng: np.random.Generator, n: int, probabilities: list[float]) -> np.ndarray:
    """Index of a category for each of n draws (probabilities need not be normalised)."""
    cdf = np.cumsum(probabilities) / np.sum(probabilities)
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(probabilities) - 1)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole counts summing to `total` in proportion to weights (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]] += 1
    return counts


def _lowest(score: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k eligible entries with the lowest score."""
    idx = np.flatnonzero(eligible)
    return idx[np.argsort(score[idx], kind="stable")[:k]]


def _ascii_strings(chars: np.ndarray) -> pa.StringArray:
    """An Arrow string array from an (n, width) matrix of ASCII codes, without a Python string per row."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars, np.uint8))]
    )


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def _date32(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.int32(), mask=mask).view(pa.date32())


# --------------------------------------------------------------------------------------------------------------
# One chunk of households: the population, its monitoring history, the economy, the panel


@dataclass
class _Population:
    # households
    village: np.ndarray
    is_formerly_poor: np.ndarray
    standing: np.ndarray  # latent economic standing; lower is poorer
    size: np.ndarray
    head: np.ndarray  # member index of each household's head
    draws: dict[str, np.ndarray]  # household-level random draws the income model uses
    # members
    household: np.ndarray
    slot: np.ndarray
    role: np.ndarray  # 0 head, 1 spouse, 2 parent, 3 child, 4 child-in-law, 5 grandchild
    age: np.ndarray
    birth_days: np.ndarray
    is_male: np.ndarray
    health: np.ndarray  # index into Health
    disability_grade: np.ndarray  # 0 = none
    school: np.ndarray  # index into SchoolStatus
    education: np.ndarray  # index into Education, -1 for children under six
    skill: np.ndarray  # index into LabourSkill
    months_employed: np.ndarray
    is_resident: np.ndarray
    surname: np.ndarray
    # monitoring history before the panel (filled by _monitor)
    category: np.ndarray | None = None  # -1 never monitored, else index into CATEGORY_CODES
    first_cause: np.ndarray | None = None  # index into SHOCK_TYPES for ever-monitored households
    is_eliminated: np.ndarray | None = None
    identified_on: np.ndarray | None = None
    eliminated_on: np.ndarray | None = None

    @property
    def is_ever_monitored(self) -> np.ndarray:
        return self.category >= 0

    @property
    def is_still_monitored(self) -> np.ndarray:
        return (self.category >= 0) & ~self.is_eliminated

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per household, the number of members for whom `mask` holds (or the sum of a member quantity)."""
        return np.bincount(self.household, weights=mask.astype(np.float64), minlength=len(self.size))


_ROLES = (
    Relation.HEAD,
    Relation.SPOUSE,
    Relation.PARENT,
    Relation.CHILD,
    Relation.CHILD_IN_LAW,
    Relation.GRANDCHILD,
)
_HEALTH = tuple(Health)
_SCHOOL = tuple(SchoolStatus)
_EDUCATION = tuple(Education)
_SKILL = tuple(LabourSkill)
_HEALTHY, _CHRONIC, _SERIOUS, _DISABLED = range(4)
_SKILLED, _ORDINARY, _WEAK, _LOST, _NO_LABOUR = range(5)
_S = {s: i for i, s in enumerate(SchoolStatus)}
_HOUSEHOLD_SIZE_P = [0.12, 0.23, 0.24, 0.19, 0.12, 0.06, 0.03, 0.01]  # 1..8 members, mean 3.31
# Heads' ages in five-year bands from 25 (the last band is 80–85).
_HEAD_AGE_BANDS_P = [0.04, 0.06, 0.08, 0.10, 0.13, 0.14, 0.13, 0.11, 0.09, 0.06, 0.04, 0.02]


def _labour_skill(
    u: np.ndarray,
    age: np.ndarray,
    in_school: np.ndarray,
    health: np.ndarray,
    grade: np.ndarray,
    education: np.ndarray,
) -> np.ndarray:
    """Labour skill from age, schooling and health (national code list, DESIGN.md §5); `u` is uniform."""
    healthy = np.select(
        [age < 60, age < 70, age < 80],
        [
            np.where(u < np.where(education >= 3, 0.35, 0.15), _SKILLED, _ORDINARY),
            np.where(u < 0.4, _ORDINARY, _WEAK),
            np.where(u < 0.5, _WEAK, _NO_LABOUR),
        ],
        _NO_LABOUR,
    )
    return np.select(
        [
            (age < 16) | in_school,
            health == _SERIOUS,
            (health == _DISABLED) & (grade <= 2),
            health == _DISABLED,
            (health == _CHRONIC) & (age < 65),
            health == _CHRONIC,
        ],
        [
            _NO_LABOUR,
            np.where(u < 0.7, _LOST, _WEAK),
            _LOST,
            np.where(u < 0.6, _WEAK, _LOST),
            np.where(u < 0.7, _WEAK, _ORDINARY),
            np.where(u < 0.5, _WEAK, _NO_LABOUR),
        ],
        healthy,
    )


def _population(rng: np.random.Generator, village: np.ndarray, calendar: _Calendar) -> _Population:
    n = len(village)
    fp = rng.random(n) < FORMERLY_POOR_SHARE
    standing = rng.standard_normal(n) - 0.5 * fp

    # Household composition: size first, then the head's age, then who fills the other places.
    size = 1 + _pick(rng, n, _HOUSEHOLD_SIZE_P)
    band = _pick(rng, n, _HEAD_AGE_BANDS_P)
    head_age = 25 + 5 * band + rng.integers(0, 5 + (band == 11), n)
    alone_elder = (size == 1) & (rng.random(n) < 0.5)
    head_age = np.where(alone_elder, rng.integers(60, 86, n), head_age)
    p_spouse = np.select([head_age < 65, head_age < 75], [0.88, 0.7], 0.5)
    n_spouse = ((size >= 2) & (rng.random(n) < p_spouse)).astype(np.int64)
    rest = size - 1 - n_spouse
    p_parents = np.select([head_age < 50, head_age < 60], [0.35, 0.15], 0.0)
    n_parents = np.where(rng.random(n) < p_parents, 1 + (rng.random(n) < 0.5), 0)
    n_parents = np.minimum(np.where(head_age < 50, n_parents, np.minimum(n_parents, 1)), rest)
    rest = rest - n_parents
    # Three generations: one adult child, a child-in-law and grandchildren (older heads); or a grandchild left
    # with grandparents (留守儿童).
    three_gen = (rest >= 2) & (
        ((head_age >= 48) & (head_age < 62) & (rng.random(n) < 0.4))
        | ((head_age >= 62) & (rng.random(n) < 0.7))
    )
    left_behind = (rest == 1) & (head_age >= 62) & (rng.random(n) < 0.5)
    n_child = np.where(three_gen, 1, np.where(left_behind, 0, rest))
    n_in_law = three_gen.astype(np.int64)
    # Whoever is left (rest - n_child - n_in_law) is a grandchild.
    adult_child_age = head_age - rng.integers(22, 31, n)
    adult_child_male = rng.random(n) < 0.8
    head_male = np.where((n_spouse == 0) & (head_age >= 60), rng.random(n) < 0.55, rng.random(n) < 0.86)
    family_surname = names.SURNAMES.draw(rng, n)

    total = int(size.sum())
    head = np.cumsum(size) - size
    hh = np.repeat(np.arange(n), size)
    slot = np.arange(total) - head[hh]
    bounds = np.cumsum(np.stack([np.ones(n, np.int64), n_spouse, n_parents, n_child, n_in_law]), axis=0)
    role = (slot[None, :] >= bounds[:, hh]).sum(axis=0)
    rank = slot - np.concatenate([[np.zeros(n, np.int64)], bounds])[role, hh]
    r = rng.random(total)
    ha = head_age[hh]
    span = lambda lo, hi: lo + np.floor(r * (np.maximum(hi, lo) - lo + 1)).astype(np.int64)  # noqa: E731
    age = np.select(
        [role == 0, role == 1, role == 2, (role == 3) & three_gen[hh], role == 3, role == 4, role == 5],
        [
            ha,
            np.clip(ha + np.round(rng.normal(0, 3, total)) - 2 * np.where(head_male[hh], 1, -1), 20, 95),
            np.minimum(span(ha + 22, ha + 36), 99),
            adult_child_age[hh],
            np.where(ha < 48, span(0, ha - 20), span(np.maximum(0, ha - 42), ha - 20)),
            np.maximum(adult_child_age[hh] + np.round(rng.normal(0, 2, total)), 18),
            span(0, np.minimum(17, np.maximum(0, adult_child_age[hh] - 20))),
        ],
    ).astype(np.int64)
    coin = rng.random(n) < 0.5
    is_male = np.select(
        [role == 0, role == 1, role == 2, (role == 3) & three_gen[hh], role == 4],
        [
            head_male[hh],
            ~head_male[hh],
            (rank % 2 == 0) == coin[hh],
            adult_child_male[hh],
            ~adult_child_male[hh],
        ],
        rng.random(total) < 0.52,
    )
    # Children take the family surname; a woman heading the household keeps her own, and so do in-laws.
    own = names.SURNAMES.draw(rng, total)
    keeps_family = ((role == 0) & is_male) | (role == 3) | (role == 5) | ((role == 1) & is_male)
    keeps_family |= (role == 2) & is_male & head_male[hh]
    surname = np.where(keeps_family, family_surname[hh], own)
    # Born on a day that makes `age` the completed years at the panel start (which falls on the 1st of a month,
    # so "k years before" is always a real date); nobody is born on or after the panel start.
    start_month = np.datetime64(_month_date(calendar.start_month_index), "M")
    years_back = lambda k: (start_month - 12 * k).astype("datetime64[D]").astype(np.int64)  # noqa: E731
    earliest, latest = years_back(age + 1) + 1, np.minimum(years_back(age), calendar.start_days - 1)
    birth_days = earliest + np.floor(rng.random(total) * (latest - earliest + 1)).astype(np.int64)

    # Health by age (chronic illness and disability rise with it).
    u = rng.random(total)
    older = np.maximum(age - 30, 0)
    p_dis = 0.01 + 0.0008 * age
    p_ser = p_dis + 0.004 + 0.0004 * older
    p_chr = p_ser + 0.02 + 0.005 * older
    health = np.select([u < p_dis, u < p_ser, u < p_chr], [_DISABLED, _SERIOUS, _CHRONIC], _HEALTHY)
    disability_grade = np.where(health == _DISABLED, 1 + _pick(rng, total, [0.12, 0.2, 0.3, 0.38]), 0)

    # School status by age; a few children of compulsory-school age have dropped out (控辍保学 flags them).
    u = rng.random(total)
    school = np.select(
        [
            age < 3,
            age < 6,
            (age < 16) & (u < 0.004),
            age < 12,
            (age < 15) | ((age == 15) & (u < 0.6)),
            age == 15,
            (age <= 18) & (u < 0.5),
            (age <= 18) & (u < 0.8),
            (age <= 22) & (u < 0.15),
            (age <= 22) & (u < 0.27),
            (age <= 22) & (u < 0.37),
            (age <= 25) & (u < 0.005),
            (age <= 25) & (u < 0.025),
        ],
        [
            _S[SchoolStatus.PRESCHOOL_CHILD],
            np.where(u < 0.85, _S[SchoolStatus.PRESCHOOL], _S[SchoolStatus.PRESCHOOL_CHILD]),
            _S[SchoolStatus.NOT_IN_SCHOOL],
            _S[SchoolStatus.PRIMARY],
            _S[SchoolStatus.JUNIOR],
            np.where(u < 0.9, _S[SchoolStatus.SENIOR], _S[SchoolStatus.VOCATIONAL_SECONDARY]),
            _S[SchoolStatus.SENIOR],
            _S[SchoolStatus.VOCATIONAL_SECONDARY],
            _S[SchoolStatus.BACHELOR],
            _S[SchoolStatus.COLLEGE],
            _S[SchoolStatus.VOCATIONAL_HIGHER],
            _S[SchoolStatus.MASTER_PLUS],
            _S[SchoolStatus.BACHELOR],
        ],
        _S[SchoolStatus.NOT_IN_SCHOOL],
    )
    in_school = (school != _S[SchoolStatus.NOT_IN_SCHOOL]) & (age >= 6)
    # Education attained: the school stage for pupils, the birth cohort's distribution for everyone else.
    stage_education = np.select(
        [
            school == _S[SchoolStatus.PRIMARY],
            school == _S[SchoolStatus.JUNIOR],
            school <= _S[SchoolStatus.VOCATIONAL_SECONDARY],
            school <= _S[SchoolStatus.COLLEGE],
        ],
        [1, 2, 3, 4],
        5,
    )
    cohort = np.select(
        [age >= 60, age >= 40],
        [
            _pick(rng, total, [0.30, 0.45, 0.20, 0.045, 0.005, 0.0]),
            _pick(rng, total, [0.08, 0.35, 0.45, 0.10, 0.015, 0.005]),
        ],
        _pick(rng, total, [0.02, 0.13, 0.50, 0.22, 0.08, 0.05]),
    )
    # A young dropout or leaver has at most the stage their age allows.
    cohort = np.where(
        age < 23, np.minimum(cohort, np.select([age < 12, age < 15, age < 19], [1, 2, 3], 5)), cohort
    )
    education = np.where(age < 6, -1, np.where(in_school, stage_education, cohort))
    skill = _labour_skill(rng.random(total), age, in_school, health, disability_grade, education)

    # Months in wage work this year; better-off households find more work.
    u = rng.random(total)
    p_work = np.clip(
        np.select([skill == _SKILLED, skill == _ORDINARY, skill == _WEAK], [0.85, 0.7, 0.3], 0)
        * (1 + 0.15 * standing[hh]),
        0,
        1,
    )
    lo = np.select([skill == _SKILLED, skill == _ORDINARY], [8, 3], 1)
    hi = np.where(skill == _WEAK, 6, 12)
    months_employed = np.where(rng.random(total) < p_work, lo + np.floor(u * (hi - lo + 1)), 0)
    # College students mostly live away, and a few long-term migrant workers have left the household.
    away = (
        (school >= _S[SchoolStatus.VOCATIONAL_HIGHER]) & (school <= _S[SchoolStatus.MASTER_PLUS]) & (u < 0.7)
    ) | ((months_employed >= 10) & (role != 0) & (age >= 18) & (age <= 45) & (u < 0.1))
    draws = {
        "wage": rng.standard_normal(n),
        "farm": rng.standard_normal(n),
        "has_land": rng.random(n) < 0.9,
        "shop": rng.random(n) < 0.08 + 0.04 * (standing > 0.5),
        "shop_size": rng.standard_normal(n),
        "cost_share": rng.uniform(0.28, 0.42, n),
        "has_property": rng.random(n) < 0.4 + 0.3 * fp,
        "property": rng.standard_normal(n),
        "remittance": rng.standard_normal(n),
        "dibao": rng.random(n),
        # 防贫保 (poverty-prevention insurance, most formerly poor households) or commercial cover.
        "insured": rng.random(n) < 0.3 + 0.3 * fp,
    }
    return _Population(
        village=village,
        is_formerly_poor=fp,
        standing=standing,
        size=size,
        head=head,
        draws=draws,
        household=hh,
        slot=slot,
        role=role,
        age=age,
        birth_days=birth_days,
        is_male=is_male,
        health=health,
        disability_grade=disability_grade,
        school=school,
        education=education,
        skill=skill,
        months_employed=months_employed.astype(np.int64),
        is_resident=(role == 0) | ~away,
        surname=surname,
    )


def _annual_income(pop: _Population) -> dict[str, np.ndarray]:
    """Each household's yearly income components before shocks, in the model's own units (the calibration
    scale turns them into yuan). Deterministic given the population, so it can be recomputed after _monitor."""
    d, s = pop.draws, pop.standing
    labour = np.isin(pop.skill, [_SKILLED, _ORDINARY, _WEAK])
    rate = np.select(
        [pop.skill == _SKILLED, pop.skill == _ORDINARY, pop.skill == _WEAK], [2_600, 1_900, 900], 0
    )
    wage = pop.count(pop.months_employed * rate) * np.exp(0.3 * s + 0.2 * d["wage"])
    farm_hands = pop.count(labour & (pop.months_employed < 9)) + 0.5 * pop.count(
        (pop.age >= 60) & (pop.age <= 75)
    )
    farm = 9_000 * np.maximum(farm_hands, 0.3) * np.exp(0.35 * s + 0.3 * d["farm"]) * d["has_land"]
    business = farm + d["shop"] * 30_000 * np.exp(0.5 * d["shop_size"])
    elders = pop.count(pop.age >= 60)
    still = pop.is_still_monitored if pop.category is not None else np.zeros(len(s), bool)
    assistance = d.get("assistance", np.zeros(len(s)))
    has_labour = pop.count(labour) > 0
    # 低保 (minimum living guarantee) for the poorest and for half of the households still monitored.
    on_dibao = (s < -1.8) | (still & (d["dibao"] < 0.5))
    transfer = (
        1_800 * pop.size
        + 2_400 * elders
        + 800 * pop.is_formerly_poor * pop.size
        + 4_000 * on_dibao * pop.count(pop.is_resident)
        + 1_300 * pop.count(pop.health == _DISABLED)
        + 250 * d["has_land"]
        # Remittances from children living elsewhere to elderly heads.
        + (pop.age[pop.head] >= 60) * 3_000 * np.exp(0.5 * d["remittance"])
        + assistance * ~has_labour
    )
    # Households whose risk was eliminated by assistance earn from it: a public-welfare job (公益岗位) or
    # employment help where there is labour, protection (兜底保障) where there is none.
    return {
        "wage_income": wage + assistance * has_labour,
        "business_income": business,
        "property_income": d["has_property"] * 600 * np.exp(s + 0.7 * d["property"]),
        "transfer_income": transfer,
        "production_cost": business * d["cost_share"],
    }


def _net(components: Mapping[str, np.ndarray]) -> np.ndarray:
    return sum(sign * components[c] for c, sign in COMPONENT_SIGNS.items())


def _monitor(rng: np.random.Generator, pop: _Population, calendar: _Calendar, weights: np.ndarray) -> None:
    """Who was identified before the panel start, in which category, for which first cause, and who is out.

    Counts are allocated exactly per chunk (largest remainder), so the published split holds at any size. The
    households picked are the poorest by income per person (脱贫不稳定 among the formerly poor, 边缘易致贫 among
    the others); for 突发严重困难 poorer households are likelier but anyone can be hit. The first cause is then
    made visible in a member (a serious illness, a disability), who loses labour capacity accordingly.
    """
    n = len(pop.size)
    residents = pop.count(pop.is_resident)
    log_pc = np.log(np.maximum(_net(_annual_income(pop)) / residents, 100.0))
    z = (log_pc - log_pc.mean()) / max(log_pc.std(), 1e-9)
    k = round(MONITORED_SHARE * n)
    split = np.array(
        [calibration.target(f"category_share_{c}").value for c in ("unstable", "marginal", "sudden")]
    )
    k_u, k_m, k_s = _allocate(k, split)
    fp = pop.is_formerly_poor
    category = np.full(n, -1, dtype=np.int8)
    noisy = z + 0.3 * rng.standard_normal(n)
    category[_lowest(noisy, fp, k_u)] = 0
    category[_lowest(noisy, ~fp & (category < 0), k_m)] = 1
    category[_lowest(0.7 * z + rng.standard_normal(n), ~fp & (category < 0), k_s)] = 2
    ever = np.flatnonzero(category >= 0)
    first_cause = np.full(n, -1, dtype=np.int8)
    first_cause[ever] = rng.permutation(np.repeat(np.arange(len(SHOCK_TYPES)), _allocate(len(ever), weights)))

    # The cause shows in the head or the second member: a serious or chronic illness, or a disability.
    hh, total = pop.household, len(pop.household)
    target = pop.head + np.where((pop.size == 1) | (rng.random(n) < 0.55), 0, 1)
    cause = first_cause[hh]
    is_target = np.zeros(total, bool)
    is_target[target] = True
    ill = is_target & (cause == SHOCK_TYPES.index("illness"))
    disabled = is_target & (cause == SHOCK_TYPES.index("disability"))
    pop.health = np.where(ill, np.where(rng.random(total) < 0.7, _SERIOUS, _CHRONIC), pop.health)
    grade = 1 + _pick(rng, total, [0.2, 0.3, 0.3, 0.2])
    pop.disability_grade = np.where(disabled & (pop.health != _DISABLED), grade, pop.disability_grade)
    pop.health = np.where(disabled, _DISABLED, pop.health)
    changed = ill | disabled
    in_school = (pop.school != _S[SchoolStatus.NOT_IN_SCHOOL]) & (pop.age >= 6)
    skill = _labour_skill(
        rng.random(total), pop.age, in_school, pop.health, pop.disability_grade, pop.education
    )
    pop.skill = np.where(changed, skill, pop.skill)
    pop.months_employed = np.where(
        changed,
        np.select(
            [pop.skill == _WEAK, pop.skill < _WEAK],
            [np.minimum(pop.months_employed, 4), pop.months_employed],
            0,
        ),
        pop.months_employed,
    )

    # Identified 1–36 months before the panel; the longest followed are the likeliest to be eliminated, never
    # within three months of identification (DESIGN.md §3 flags that as a data-quality problem).
    start = calendar.start_days
    months_ago = rng.integers(1, 37, n)
    first_of_month = np.array(
        [_days(_month_date(calendar.start_month_index - m)) for m in range(37)], dtype=np.int64
    )
    identified = first_of_month[months_ago] + rng.integers(0, 28, n)
    eligible = np.zeros(n, bool)
    eligible[ever] = months_ago[ever] >= 4
    n_eliminated = round(calibration.target("eliminated_share").value * len(ever))
    is_eliminated = np.zeros(n, bool)
    is_eliminated[_lowest(-(months_ago + 6 * rng.standard_normal(n)), eligible, n_eliminated)] = True
    earliest = identified + 92
    pop.category = category
    pop.first_cause = first_cause
    pop.is_eliminated = is_eliminated
    pop.identified_on = identified
    pop.eliminated_on = earliest + np.floor(rng.random(n) * np.maximum(start - earliest, 1)).astype(np.int64)

    # Elimination means income back above the line with a margin (1.15–1.8 ×): the assistance that got it there
    # is part of the household's income from then on. The line is turned into model units through the chunk's
    # mean, which the calibration scale maps to the published level.
    income_pc = _net(_annual_income(pop)) / residents
    line = calendar.line_share * float(np.mean(np.exp(log_pc)))
    wanted = line * rng.uniform(1.15, 1.8, n)
    pop.draws["assistance"] = np.where(is_eliminated, np.maximum(wanted - income_pc, 0) * residents, 0.0)


@dataclass
class _Panel:
    amounts: dict[str, np.ndarray]  # (households, months) per INCOME_COLUMNS, rounded to the fen
    baseline_net: np.ndarray  # (households, 12) net income of the 12 months before the panel
    residents: np.ndarray
    shock_household: np.ndarray
    shock_month: np.ndarray
    shock_type: np.ndarray
    shock_code: np.ndarray  # index into _SHOCK_CODES
    shock_expense: np.ndarray  # medical or schooling spending, yuan
    shock_loss: np.ndarray  # income lost over the following year, before the calibration scale


_SHOCK_CODES = (*DISASTER_CODES, *sorted(set(RISK_CODE_OF_SHOCK.values())))

# Seasonal multipliers by calendar month: wages dip at the Spring Festival and peak with year-end pay; farm
# income follows Guangxi's sugarcane (Dec–Mar) and rice (Jul, Oct–Nov) harvests; costs peak at spring planting.
_SEASON_WAGE = np.array([0.75, 0.7, 1.0, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.15])
_SEASON_FARM = np.array([1.3, 1.2, 0.9, 0.6, 0.6, 0.8, 1.2, 1.0, 0.9, 1.2, 1.2, 1.4])
_SEASON_COST = np.array([0.8, 0.9, 1.5, 1.5, 1.2, 0.9, 0.9, 0.8, 0.8, 0.9, 0.9, 0.9])
_SEASON_SCHOOL = np.array([0.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5, 1.5, 4.0, 0.5, 0.5, 0.5])
# Per shock type: (share of wages lost, share of farm and business income lost, months for the loss to fall by
# e, median expense in 2024 yuan, lognormal spread of the expense, expense is medical (else schooling or none)).
_EFFECT = {
    "illness": (0.25, 0.1, 3, 3_500, 1.1, True),
    "disability": (0.35, 0.2, 18, 5_000, 0.8, True),
    "accident": (0.4, 0.1, 4, 6_000, 1.0, True),
    "death_of_earner": (0.5, 0.3, 36, 6_000, 0.6, True),
    "disaster": (0.0, 0.6, 4, 0, 0.0, False),
    "business_failure": (0.0, 0.7, 10, 0, 0.0, False),
    "job_loss": (0.5, 0.0, 4, 0, 0.0, False),
    "school_costs": (0.0, 0.0, 1, 5_000, 0.5, False),
}
_MEDICAL_SPREAD = np.array([0.6, 0.25, 0.15])  # a hospital bill paid over three months


def _panel(
    rng: np.random.Generator, pop: _Population, county: _County, calendar: _Calendar, weights: np.ndarray
) -> _Panel:
    n, months = len(pop.size), len(calendar.month_days)
    count = pop.count
    labour = np.isin(pop.skill, [_SKILLED, _ORDINARY, _WEAK])
    residents = count(pop.is_resident)
    annual = _annual_income(pop)
    wage, business = annual["wage_income"], annual["business_income"]
    chronic_medical = (
        80 * count(pop.health == _CHRONIC) + 400 * count(pop.health == _SERIOUS)
    ) * calendar.price
    has_insurance = pop.draws["insured"]

    # Monthly amounts: trend, season and noise around the baseline.
    moy = calendar.month_of_year
    noise = lambda sigma: np.exp(sigma * rng.standard_normal((n, months)) - sigma**2 / 2)  # noqa: E731
    trend = calendar.trend[None, :]
    season = lambda table: (table / table.mean())[moy][None, :]  # noqa: E731
    base_wage = wage[:, None] / 12 * trend * season(_SEASON_WAGE)
    base_business = business[:, None] / 12 * trend * season(_SEASON_FARM)

    # Shock hazards: each type's share of all shocks follows the weights; within a type, households at more
    # risk (older, sicker, more workers, a business, students) are hit more often.
    students = count((pop.school >= _S[SchoolStatus.SENIOR]) & (pop.school <= _S[SchoolStatus.MASTER_PLUS]))
    exposure = {
        "illness": count(0.5 + pop.age / 40 + 2 * np.isin(pop.health, [_CHRONIC, _SERIOUS])),
        "disability": count(0.5 + pop.age / 50),
        "accident": count(labour) + 0.3,
        "death_of_earner": count(labour) * pop.age[pop.head] / 50,
        "business_failure": (business > 0) * (1 + 3 * pop.draws["shop"]),
        "job_loss": count(pop.months_employed > 0),
        "school_costs": students + 0.1 * count((pop.school >= _S[SchoolStatus.PRIMARY]) & (pop.age >= 6)),
    }
    hits = {}
    for t, exp_t in exposure.items():
        w = weights[SHOCK_TYPES.index(t)]
        mean = exp_t.mean()
        hazard = np.zeros(n) if mean <= 0 or w == 0 else np.minimum(SHOCK_RATE * w * exp_t / mean, 0.5)
        month_factor = season(_SEASON_SCHOOL) if t == "school_costs" else 1.0
        hits[t] = rng.random((n, months)) < hazard[:, None] * month_factor
    hits["disaster"] = county.disaster_hit[pop.village]

    # Losses decay month by month; households still monitored enter the panel carrying part of their loss.
    carried = 0.3 * pop.is_still_monitored[:, None] * np.exp(-np.arange(months) / 8)[None, :]
    wage_loss = carried.copy()
    business_loss = carried.copy()
    medical = np.repeat(chronic_medical[:, None], months, axis=1)
    schooling = np.zeros((n, months))
    claims = np.zeros((n, months))
    rows = []
    for t in SHOCK_TYPES:
        d_wage, d_business, tau, median, sigma, is_medical = _EFFECT[t]
        h = hits[t]
        state_w = np.zeros(n)
        state_b = np.zeros(n)
        decay = math.exp(-1 / tau)
        for m in range(months):
            state_w = state_w * decay + d_wage * h[:, m]
            state_b = state_b * decay + d_business * h[:, m]
            wage_loss[:, m] += state_w
            business_loss[:, m] += state_b
        who, when = np.nonzero(h)
        expense = (
            median * calendar.price * np.exp(sigma * rng.standard_normal(len(who)))
            if median
            else np.zeros(len(who))
        )
        if is_medical:
            for lag, share in enumerate(_MEDICAL_SPREAD):
                ok = when + lag < months
                np.add.at(medical, (who[ok], when[ok] + lag), share * expense[ok])
            covered = has_insurance[who] & (rng.random(len(who)) < 0.8)
            claim = covered * np.maximum(expense - 5_000 * calendar.price, 0) * 0.5
            ok = when + 2 < months
            np.add.at(claims, (who[ok], when[ok] + 2), claim[ok])
        elif t == "school_costs":
            np.add.at(schooling, (who, when), expense)
        # The shock's cost: its expense plus the income it takes over the following year at its decay rate.
        horizon = (1 - decay**12) / (1 - decay)
        monthly = (d_wage * wage[who] + d_business * business[who]) / 12
        code = (
            county.disaster_code[pop.village[who], when]
            if t == "disaster"
            else np.full(len(who), _SHOCK_CODES.index(RISK_CODE_OF_SHOCK[t]))
        )
        rows.append((who, when, np.full(len(who), SHOCK_TYPES.index(t)), code, expense, monthly * horizon))

    keep = lambda loss: np.clip(1 - loss, 0, 1)  # noqa: E731
    amounts = {
        "wage_income": base_wage * keep(wage_loss) * noise(0.1),
        "business_income": base_business * keep(business_loss) * noise(0.15),
        "property_income": annual["property_income"][:, None] / 12 * trend,
        "transfer_income": annual["transfer_income"][:, None] / 12 * trend,
        "production_cost": annual["production_cost"][:, None] / 12 * trend * season(_SEASON_COST),
        "medical_self_paid": medical,
        "schooling_self_paid": schooling,
        "claims_income": claims,
    }
    who, when, kind, code, expense, loss = (np.concatenate(c) for c in zip(*rows, strict=True))
    order = np.lexsort((kind, when, who))
    return _Panel(
        amounts=amounts,
        baseline_net=_net(annual)[:, None] / 12 * calendar.pre_trend[None, :],
        residents=residents,
        shock_household=who[order],
        shock_month=when[order],
        shock_type=kind[order],
        shock_code=code[order],
        shock_expense=expense[order],
        shock_loss=loss[order],
    )


# The components of the income formula carry the calibration scale; expenses and claims are already in yuan.
_SCALED = tuple(COMPONENT_SIGNS)


def _income_pc_12m(panel: _Panel, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Net income per resident over the 12 months ending each panel month, and over the 12 before the panel.

    Scales and rounds the income components in place (once), then applies COMPONENT_SIGNS to the rounded amounts
    so the ground truth equals what the registry's own formula gives for the stored rows.
    """
    for c in _SCALED:
        panel.amounts[c] = np.round(panel.amounts[c] * scale, 2)
    for c in [c for c in INCOME_COLUMNS if c not in _SCALED]:
        panel.amounts[c] = np.round(panel.amounts[c], 2)
    net = sum(sign * panel.amounts[c] for c, sign in COMPONENT_SIGNS.items())
    extended = np.concatenate([np.round(panel.baseline_net * scale, 2), net], axis=1)
    cum = np.concatenate([np.zeros((len(net), 1)), np.cumsum(extended, axis=1)], axis=1)
    months = net.shape[1]
    rolling = cum[:, 13 : 13 + months] - cum[:, 1 : 1 + months]
    return rolling / panel.residents[:, None], (cum[:, 12] - cum[:, 0]) / panel.residents


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


# --------------------------------------------------------------------------------------------------------------
# Identity: names and ID numbers


class _IdNumbers:
    """Hands out ID numbers unique across the whole county, chunk after chunk.

    An ID is region (6) + birth date (8) + order code (3, odd for men) + check character. A counter per region,
    birth date and sex gives each person the next free order code, so no two people can share a number; a full
    region overflows into the next code in the list.
    """

    def __init__(self, county_code: str) -> None:
        prefix, city = county_code[:6], county_code[:4]
        own = int(county_code[4:6])
        neighbours = [f"{city}{d:02d}" for d in range(21, 35) if d != own][:8]
        self.regions = np.array([[ord(ch) for ch in code] for code in [prefix, *neighbours]], dtype=np.uint8)
        self.n_days = _days(dt.date(2036, 1, 1)) - _FIRST_BIRTH_DAY
        self.used = np.zeros(len(self.regions) * self.n_days * 2, dtype=np.int32)

    def issue(self, region: np.ndarray, birth_days: np.ndarray, is_male: np.ndarray) -> pa.StringArray:
        region = region.astype(np.int64).copy()
        day = birth_days - _FIRST_BIRTH_DAY
        order_code = np.zeros(len(region), dtype=np.int64)
        pending = np.arange(len(region))
        while len(pending):
            if region[pending].max() >= len(self.regions):
                raise RuntimeError(
                    "More people share a birth date than the ID order codes of nine regions allow."
                )
            key = (region[pending] * self.n_days + day[pending]) * 2 + is_male[pending]
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
            group_start = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
            slot = np.empty(len(key), dtype=np.int64)
            slot[order] = np.arange(len(key)) - group_start
            slot += self.used[key]
            np.add.at(self.used, key, 1)
            full = slot >= _ORDER_CODES_PER_SEX
            order_code[pending[~full]] = 2 * slot[~full] + np.where(is_male[pending[~full]], 1, 2)
            pending = pending[full]
            region[pending] += 1
        date = birth_days.astype("datetime64[D]")
        year = date.astype("datetime64[Y]").astype(np.int64) + 1970
        month = (date.astype("datetime64[M]") - date.astype("datetime64[Y]")).astype(np.int64) + 1
        dom = (date - date.astype("datetime64[M]")).astype(np.int64) + 1
        chars = np.concatenate(
            [self.regions[region], _digits(year * 10_000 + month * 100 + dom, 8), _digits(order_code, 3)],
            axis=1,
        )
        weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
        remainder = ((chars.astype(np.int64) - ord("0")) @ weights) % 11
        check = np.frombuffer(b"10X98765432", dtype=np.uint8)[remainder]
        return _ascii_strings(np.concatenate([chars, check[:, None]], axis=1))


# --------------------------------------------------------------------------------------------------------------
# Tables


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
    housing = np.where(ever, _pick(rng, n, [0.25, 0.62, 0.10, 0.03]), _pick(rng, n, [0.42, 0.53, 0.04, 0.01]))
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
            "has_safe_water": pa.array(rng.random(n) < np.where(ever, 0.93, 0.975)),
        }
    )

    # Members: names, ID numbers (a quarter of spouses and in-laws were born in a neighbouring county).
    given_first, given_second = names.draw_given_names(rng, pop.is_male)
    name, initials = names.compose_names(pop.surname, given_first, given_second)
    married_in = np.isin(pop.role, [1, 4]) & (rng.random(total) < 0.25)
    region = np.where(married_in, 1 + rng.integers(0, len(ids.regions) - 1, total), 0)
    id_number = ids.issue(region, pop.birth_days, pop.is_male)
    insured = _pick(rng, total, [0.955, 0.03, 0.015])
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
