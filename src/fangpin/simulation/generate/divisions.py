"""The simulated county's townships and villages, their household counts, and the disasters that hit whole
villages in given months; drawn from the county's own random stream.
"""

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fangpin.divisions.codes import Level
from fangpin.simulation import names
from fangpin.simulation.generate.params import (
    _COUNTY_STREAM,
    _DISASTER_WEIGHTS,
    DISASTER_CODES,
    SHOCK_RATE,
    SHOCK_TYPES,
    SimulationParams,
)
from fangpin.simulation.generate.timeline import _Calendar, _calendar


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
