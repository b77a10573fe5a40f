"""12-digit statistical division codes (统计用区划代码): province 2, city 2, county 2, township 3, village 3.

Pure functions. A division's jurisdiction is every code that starts with its significant prefix, which is
why scoping a query is a range over one indexed column.
"""

import re
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_LABELS = {
    Level.PROVINCE: _("province"),
    Level.CITY: _("city"),
    Level.COUNTY: _("county"),
    Level.TOWNSHIP: _("township"),
    Level.VILLAGE: _("village"),
}

# Significant digits of each level, and the level under it.
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
_CODE = re.compile(r"^\d{12}$")


class InvalidDivisionCode(ValueError):
    pass


def level_of(code: str) -> Level:
    """The level a 12-digit code denotes, or InvalidDivisionCode saying why."""
    if not _CODE.match(code or ""):
        raise InvalidDivisionCode(_("A division code has exactly 12 digits."))
    for level in reversed(_ORDER):
        n = PREFIX_LENGTH[level]
        parent_n = PREFIX_LENGTH[_ORDER[_ORDER.index(level) - 1]] if level != Level.PROVINCE else 0
        if code[n:] == "0" * (12 - n) and code[parent_n:n] != "0" * (n - parent_n):
            return level
    raise InvalidDivisionCode(_("A division code cannot be all zeros."))


def prefix_of(code: str) -> str:
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    parent_level = _ORDER[_ORDER.index(level) - 1]
    n = PREFIX_LENGTH[parent_level]
    return code[:n] + "0" * (12 - n)


def code_range(code: str) -> tuple[str, str]:
    """The inclusive range of 12-digit codes inside the division `code` (itself included)."""
    prefix = prefix_of(code)
    return prefix + "0" * (12 - len(prefix)), prefix + "9" * (12 - len(prefix))
