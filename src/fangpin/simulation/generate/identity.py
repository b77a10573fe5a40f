"""Who each member is on paper: a name with its pinyin initials, and an 18-character ID number unique across
the whole county, chunk after chunk.
"""

import datetime as dt

import numpy as np
import pyarrow as pa

from fangpin.simulation import names
from fangpin.simulation.generate.arrays import _ascii_strings, _digits
from fangpin.simulation.generate.population import _Population
from fangpin.simulation.generate.timeline import _EPOCH, _days

_FIRST_BIRTH_DAY = (dt.date(1900, 1, 1) - _EPOCH).days
_ORDER_CODES_PER_SEX = 499  # order codes 001–997 (odd, men) and 002–998 (even, women)


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


def _identities(
    rng: np.random.Generator, pop: _Population, ids: _IdNumbers
) -> tuple[pa.StringArray, pa.StringArray, pa.StringArray]:
    """Each member's name, its initials and an ID number (a quarter of spouses and in-laws were born in a
    neighbouring county)."""
    total = len(pop.household)
    given_first, given_second = names.draw_given_names(rng, pop.is_male)
    name, initials = names.compose_names(pop.surname, given_first, given_second)
    married_in = np.isin(pop.role, [1, 4]) & (rng.random(total) < 0.25)
    region = np.where(married_in, 1 + rng.integers(0, len(ids.regions) - 1, total), 0)
    return name, initials, ids.issue(region, pop.birth_days, pop.is_male)
