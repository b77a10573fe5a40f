"""One chunk's people: household composition, members' ages, sex, surnames and birth dates, health, schooling,
education, labour skill and work, and the household-level draws the income model uses.
"""

from dataclasses import dataclass

import numpy as np

from fangpin.registry.codes import Education, Health, LabourSkill, Relation, SchoolStatus
from fangpin.simulation import names
from fangpin.simulation.generate.arrays import _pick
from fangpin.simulation.generate.params import FORMERLY_POOR_SHARE
from fangpin.simulation.generate.timeline import _Calendar, _month_date


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
