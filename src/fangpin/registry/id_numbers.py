"""Resident ID numbers (公民身份号码, GB 11643-1999): validation, normalisation, masking.

Pure functions, no I/O: the one place every form, import and simulator checks an ID number.
"""

import datetime as dt
import re

from django.utils.translation import gettext as _

# ISO 7064 MOD 11-2: weights 2^(17-i) mod 11 and the check character for each remainder.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Province-level codes of GB/T 2260 (the first two digits of every division code); 71/81/82 are Taiwan,
# Hong Kong and Macao, whose residents on the mainland hold numbers with these prefixes.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

_SHAPE = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """The message says what is wrong, in words a village cadre understands."""


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(text: str) -> str:
    """The canonical 18-character form (upper-case X), or InvalidIdNumber saying why."""
    value = (text or "").strip().upper()
    if len(value) != 18:
        raise InvalidIdNumber(_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if not _SHAPE.match(value):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."))
    if value[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(
            _("%(code)s is not a province code, so the region code is wrong.") % {"code": value[:2]}
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(_("%(date)s is not a real date of birth.") % {"date": value[6:14]}) from None
    if birth.year < 1880 or birth > dt.date.today():
        raise InvalidIdNumber(_("%(date)s is not a possible date of birth.") % {"date": value[6:14]})
    expected = check_character(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(
            _("The check digit should be %(expected)s, not %(found)s: a digit was probably mistyped.")
            % {"expected": expected, "found": value[17]}
        )
    return value


def is_valid_id_number(text: str) -> bool:
    try:
        normalize_id_number(text)
    except InvalidIdNumber:
        return False
    return True


def birth_date_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_male(id_number: str) -> bool:
    """The 17th digit (order code) is odd for men and even for women."""
    return int(id_number[16]) % 2 == 1


def mask_id_number(id_number: str) -> str:
    """`4501**********123X`: region prefix and last four only, the form shown everywhere by default."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
