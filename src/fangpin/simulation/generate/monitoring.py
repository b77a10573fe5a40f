"""The monitoring stock at the panel start: who was identified, in which category and for which first cause,
who has had the risk eliminated, and the assistance that keeps them above the line.
"""

import numpy as np

from fangpin.registry.codes import SchoolStatus
from fangpin.simulation import calibration
from fangpin.simulation.generate.arrays import _allocate, _lowest, _pick
from fangpin.simulation.generate.income import _annual_income, _net
from fangpin.simulation.generate.params import MONITORED_SHARE, SHOCK_TYPES
from fangpin.simulation.generate.population import (
    _CHRONIC,
    _DISABLED,
    _S,
    _SERIOUS,
    _WEAK,
    _labour_skill,
    _Population,
)
from fangpin.simulation.generate.timeline import _Calendar, _days, _month_date


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
