"""Vectorised cell normalisers for department files: each takes a string array and returns (values, errors).

`values` holds the normalised value, or null where the cell is blank or wrong; `errors` holds a sentence a
cadre understands, naming the offending value, or null. A blank cell is not an error here: whether a
column may be empty is the schema's business (`validate.py`). Work is done over whole Arrow arrays; only
the rows that fail are formatted into messages.
"""

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from fangpin.registry.id_numbers import PROVINCE_CODES

# Money is decimal yuan with fen, as in the OLTP store: floats would make sums and threshold comparisons
# inexact (0.1 + 0.2 ≠ 0.3); 14 digits hold up to 999,999,999,999.99 yuan, far above any household amount,
# and DuckDB and Ibis compute on decimal128 natively.
AMOUNT_TYPE = pa.decimal128(14, 2)
_AMOUNT_INTEGER_DIGITS = 12

# Excel's date numbers count days from 1899-12-30 (the 1900 leap-year bug is absorbed by that epoch for every
# date after February 1900). Only five-digit numbers are read as dates: 10000–60000 is 1927-05-18 to
# 2064-04-08, while a shorter number in a date column ("2026", "12") is far more likely a year or a typo.
_EXCEL_EPOCH_DAYS = (dt.date(1899, 12, 30) - dt.date(1970, 1, 1)).days
_SERIAL_MIN, _SERIAL_MAX = 10_000, 60_000

# Characters Python's str.strip() and str.isspace() treat as white space, plus zero-width ones that arrive
# from web pages and Word; removed anywhere inside an ID number or an amount.
_SPACES = (
    r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}\x{feff}]+"
)
_SHOWN_CHARS = 40

# The ISO 7064 MOD 11-2 weights and check characters of registry.id_numbers (a property test keeps the two
# in agreement), as numpy arrays.
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCES = np.array(sorted(int(code) for code in PROVINCE_CODES))
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

Result = tuple[pa.Array, pa.Array]


# --- shared helpers -----------------------------------------------------------------------------------


def _as_strings(values: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return values


def _clean(values: pa.Array, *, remove_spaces: bool) -> pa.Array:
    """Full-width letters, digits and punctuation folded to ASCII (NFKC), then spaces trimmed or removed."""
    text = pc.utf8_normalize(values, form="NFKC")
    if remove_spaces:
        return pc.replace_substring_regex(text, _SPACES, "")
    return pc.utf8_trim_whitespace(text)


def is_blank(text: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)


def _matches(text: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False)


def shown(values: pa.Array) -> pa.Array:
    """A cell as quoted in a message: in quotes and cut to 40 characters, so a 1 MB cell stays readable."""
    values = pc.fill_null(values, "")
    long = pc.greater(pc.utf8_length(values), _SHOWN_CHARS)
    cut = pc.if_else(
        long, pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, _SHOWN_CHARS), "…", ""), values
    )
    return pc.binary_join_element_wise("“", cut, "”", "")


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def format_messages(template: str, count: int, **params: pa.Array | str) -> pa.Array:
    """`template % params` for every row: a translated template with %(name)s placeholders, filled per row."""
    pieces: list[pa.Array | str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()].replace("%%", "%"))
        value = params[match.group(1)]
        pieces.append(value if isinstance(value, str) else pc.cast(value, pa.string()))
        position = match.end()
    pieces.append(template[position:].replace("%%", "%"))
    if not any(isinstance(p, pa.Array) for p in pieces):
        return pa.array(["".join(p for p in pieces if isinstance(p, str))] * count, pa.string())
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement="")


Check = tuple[np.ndarray, Callable[[np.ndarray], pa.Array]]


def collect_errors(count: int, checks: Sequence[Check]) -> pa.Array:
    """The first failing check's message per row (checks in priority order), null where all pass.

    Each check is a boolean mask and a function that builds the messages for the given row indices, so
    messages are formatted only for the (usually few) failing rows.
    """
    taken = np.zeros(count, dtype=bool)
    indices: list[np.ndarray] = []
    messages: list[pa.Array] = []
    for mask, build in checks:
        selected = mask & ~taken
        if selected.any():
            rows = np.flatnonzero(selected)
            indices.append(rows)
            messages.append(pc.cast(build(rows), pa.string()))
            taken |= selected
    if not indices:
        return pa.nulls(count, pa.string())
    positions = np.full(count, -1, dtype=np.int64)
    positions[np.concatenate(indices)] = np.arange(sum(len(i) for i in indices))
    return pa.concat_arrays(messages).take(pa.array(positions, mask=positions < 0))


def _null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return values
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def char_matrix(values: pa.Array, width: int) -> np.ndarray:
    """Strings that are all exactly `width` ASCII characters, as a (rows, width) byte matrix, without copying."""
    values = pc.cast(values, pa.string())
    if len(values) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[
        values.offset : values.offset + len(values) + 1
    ]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(values), width)


def first_bytes(values: pa.Array) -> np.ndarray:
    """The first byte of each cell (0 for an empty or null cell), read from the array's buffers."""
    values = _as_strings(values)
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[
        values.offset : values.offset + len(values) + 1
    ]
    data = values.buffers()[2]
    if data is None:
        return np.zeros(len(values), dtype=np.uint8)
    data = np.frombuffer(data, dtype=np.uint8)
    starts = offsets[:-1]
    filled = offsets[1:] > starts
    return np.where(filled, data[np.where(filled, starts, 0)] if len(data) else 0, 0).astype(np.uint8)


_DIGIT_LOW = ord("0")


def fixed_shape(values: pa.Array, shape: str) -> np.ndarray:
    """Rows (as a mask) whose text is exactly `shape` character by character: "9" stands for an ASCII digit,
    "X" for a digit or X, "h" for a lower-case hex digit, any other character for itself. Read from a byte
    matrix: several times faster than a regular expression, for the common clean cells (2026-10-03, an
    18-character ID number)."""
    values = _as_strings(values)
    width = len(shape)
    lengths = pc.fill_null(pc.binary_length(values), -1).to_numpy(zero_copy_only=False)
    fits = lengths == width
    if not fits.any():
        return fits
    rows = None if fits.all() else np.flatnonzero(fits)
    matrix = char_matrix(values if rows is None else values.take(pa.array(rows)), width)
    # Whole-matrix tests, then the columns each position needs (faster than column by column).
    codes = np.frombuffer(shape.encode(), dtype=np.uint8)
    digit = (matrix - np.uint8(_DIGIT_LOW)) <= 9  # bytes below "0" wrap around to large numbers
    ok = digit[:, codes == ord("9")].all(axis=1)
    x_at = codes == ord("X")
    if x_at.any():
        ok &= (digit[:, x_at] | (matrix[:, x_at] == ord("X"))).all(axis=1)
    hex_at = codes == ord("h")
    if hex_at.any():
        letters = (matrix[:, hex_at] - np.uint8(ord("a"))) <= 5
        ok &= (digit[:, hex_at] | letters).all(axis=1)
    literal = ~np.isin(codes, np.frombuffer(b"9Xh", dtype=np.uint8))
    if literal.any():
        ok &= (matrix[:, literal] == codes[literal]).all(axis=1)
    if rows is None:
        return ok
    fits[rows] = ok
    return fits


def _ints(values: pa.Array) -> np.ndarray:
    return pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False)


def _is_real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return (year >= 1) & month_ok & (day >= 1) & (day <= days)


def _days_since_epoch(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days from 1970-01-01 of valid proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


# --- ID numbers ---------------------------------------------------------------------------------------

_ID_EXCEL_NUMBER = r"^[0-9]+(\.[0-9]*)?E\+?[0-9]+$|^[0-9]{16,}\.[0-9]*$"
_ID_SHAPE = r"^[0-9]{17}[0-9X]$"
_ID_SHAPE_FIXED = "9" * 17 + "X"  # the same as _ID_SHAPE, for fixed_shape


def _check_characters(digits: np.ndarray) -> np.ndarray:
    """The ISO 7064 MOD 11-2 check character (as a byte) of each row of a (rows, 17) digit matrix."""
    return _ID_CHECK_CHARS[(digits @ _ID_WEIGHTS) % 11]


def _check_shaped_ids(text: pa.Array, today: dt.date) -> Result:
    """Province, date of birth and check digit of ID numbers that all match ^[0-9]{17}[0-9X]$ (byte matrix)."""
    matrix = char_matrix(text, 18)
    digits = matrix[:, :17].astype(np.int64) - ord("0")
    province_bad = ~np.isin(digits[:, 0] * 10 + digits[:, 1], _PROVINCES)
    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    real = _is_real_date(year, month, day)
    today_number = today.year * 10_000 + today.month * 100 + today.day
    impossible = real & ((year < 1880) | (year * 10_000 + month * 100 + day > today_number))
    expected = _check_characters(digits)
    check_bad = matrix[:, 17] != expected

    def birth_dates(rows: np.ndarray) -> pa.Array:
        return pc.utf8_slice_codeunits(text.take(pa.array(rows)), 6, 14)

    errors = collect_errors(
        len(text),
        [
            (
                province_bad,
                lambda r: format_messages(
                    _("%(code)s is not a province code, so the region code is wrong."),
                    len(r),
                    code=pc.utf8_slice_codeunits(text.take(pa.array(r)), 0, 2),
                ),
            ),
            (
                ~real,
                lambda r: format_messages(
                    _("%(date)s is not a real date of birth."), len(r), date=birth_dates(r)
                ),
            ),
            (
                impossible,
                lambda r: format_messages(
                    _("%(date)s is not a possible date of birth."), len(r), date=birth_dates(r)
                ),
            ),
            (
                check_bad,
                lambda r: format_messages(
                    _(
                        "The check digit should be %(expected)s, not %(found)s: a digit was probably mistyped."
                    ),
                    len(r),
                    expected=pc.cast(pa.array(expected[r].view("S1")), pa.string()),
                    found=pc.utf8_slice_codeunits(text.take(pa.array(r)), 17, 18),
                ),
            ),
        ],
    )
    return _null_where(text, errors.is_valid().to_numpy(zero_copy_only=False)), errors


def _normalize_messy_ids(raw: pa.Array, today: dt.date) -> Result:
    """The repairs and refusals of `normalize_id_numbers`, for the rows not already in canonical form."""
    count = len(raw)
    text = pc.utf8_upper(_clean(raw, remove_spaces=True))
    text = pc.replace_substring_regex(text, r"^'", "")
    text = pc.replace_substring_regex(text, r"^([0-9]{15})\.0*$", r"\1")
    blank = is_blank(text)
    old15 = _matches(text, r"^[0-9]{15}$")
    if old15.any():
        # Old numbers: "19" goes before the two-digit year, then the check character is computed.
        rows = pa.array(np.flatnonzero(old15))
        old = text.take(rows)
        body = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(old, 0, 6), "19", pc.utf8_slice_codeunits(old, 6, 15), ""
        )
        checks = _check_characters(char_matrix(body, 17).astype(np.int64) - ord("0"))
        converted = pc.binary_join_element_wise(body, pc.cast(pa.array(checks.view("S1")), pa.string()), "")
        positions = np.arange(count)
        positions[old15] = count + np.arange(len(rows))
        text = pa.concat_arrays([text, converted]).take(pa.array(positions))
    length = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    shaped = _matches(text, _ID_SHAPE)

    def values_of(rows: np.ndarray) -> pa.Array:
        return shown(raw.take(pa.array(rows)))

    errors = collect_errors(
        count,
        [
            (
                ~blank & _matches(text, _ID_EXCEL_NUMBER),
                lambda r: format_messages(
                    _(
                        "Excel turned the ID number %(value)s into a number and lost its last digits; "
                        "type the ID number again as text."
                    ),
                    len(r),
                    value=values_of(r),
                ),
            ),
            (
                ~blank & _matches(text, r"^[0-9]{17}$"),
                lambda r: format_messages(
                    _(
                        "The ID number %(value)s has 17 digits: the final character (a digit or X) is "
                        "missing. Copy it from the ID card."
                    ),
                    len(r),
                    value=values_of(r),
                ),
            ),
            (
                ~blank & (length != 18),
                lambda r: format_messages(
                    _("An ID number has 18 characters; this one has %(n)d."), len(r), n=pa.array(length[r])
                ),
            ),
            (
                ~blank & ~shaped,
                lambda r: format_messages(_("An ID number is 17 digits followed by a digit or X."), len(r)),
            ),
        ],
    )
    return _merge_paths(text, ~blank & shaped, lambda t: _check_shaped_ids(t, today), errors)


def _merge_paths(
    values: pa.Array, selected: np.ndarray, check: Callable[[pa.Array], Result], errors: pa.Array
) -> Result:
    """`check` applied to the selected rows of `values`; the other rows keep `errors` and a null value."""
    count = len(values)
    rows = np.flatnonzero(selected)
    checked, check_errors = check(values.take(pa.array(rows)))
    others = np.flatnonzero(~selected)
    positions = np.empty(count, dtype=np.int64)
    positions[rows] = np.arange(len(rows))
    positions[others] = len(rows) + np.arange(len(others))
    take = pa.array(positions)
    merged_values = pa.concat_arrays([checked, pa.nulls(len(others), checked.type)]).take(take)
    merged_errors = pa.concat_arrays([check_errors, errors.take(pa.array(others))]).take(take)
    return merged_values, merged_errors


def _split_paths(
    raw: pa.Array, pattern: str, fast: Callable[[pa.Array], Result], full: Callable[[pa.Array], Result]
) -> Result:
    """`fast` on the rows that match `pattern` (the clean, common case), `full` on the others."""
    return _split_rows(raw, _matches(raw, pattern), fast, full)


def _split_shapes(
    raw: pa.Array, shape: str, fast: Callable[[pa.Array], Result], full: Callable[[pa.Array], Result]
) -> Result:
    """`fast` on the rows of exactly `shape` (see `fixed_shape`), `full` on the others."""
    return _split_rows(raw, fixed_shape(raw, shape), fast, full)


def _split_rows(
    raw: pa.Array, simple: np.ndarray, fast: Callable[[pa.Array], Result], full: Callable[[pa.Array], Result]
) -> Result:
    """`fast` on the `simple` rows, `full` on the others, results put back in row order."""
    if simple.all():
        return fast(raw)
    if not simple.any():
        return full(raw)
    count = len(raw)
    fast_rows, slow_rows = np.flatnonzero(simple), np.flatnonzero(~simple)
    fast_values, fast_errors = fast(raw.take(pa.array(fast_rows)))
    slow_values, slow_errors = full(raw.take(pa.array(slow_rows)))
    positions = np.empty(count, dtype=np.int64)
    positions[fast_rows] = np.arange(len(fast_rows))
    positions[slow_rows] = len(fast_rows) + np.arange(len(slow_rows))
    take = pa.array(positions)
    values = pa.concat_arrays([fast_values, pc.cast(slow_values, fast_values.type)]).take(take)
    return values, pa.concat_arrays([fast_errors, slow_errors]).take(take)


def normalize_id_numbers(values: pa.Array, *, today: dt.date | None = None) -> Result:
    """ID numbers in the canonical 18-character form, checked like `registry.id_numbers.normalize_id_number`.

    Unambiguous repairs: spaces anywhere, full-width digits and X, a lower-case x, Excel's text apostrophe,
    a 15-digit number with ".0", and old 15-digit numbers (19 inserted before the year, check digit
    computed). Refused with the reason: numbers Excel turned into scientific notation (digits are lost) and
    17-digit numbers (the final character is missing; it is never guessed).
    """
    today = today or dt.date.today()
    return _split_shapes(
        _as_strings(values),
        _ID_SHAPE_FIXED,
        lambda text: _check_shaped_ids(text, today),
        lambda text: _normalize_messy_ids(text, today),
    )


# --- dates and months ---------------------------------------------------------------------------------

_TIME = r"(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DATE_PATTERNS = (
    rf"^(?P<y>[0-9]{{4}})[-/.](?P<m>[0-9]{{1,2}})[-/.](?P<d>[0-9]{{1,2}}){_TIME}$",
    r"^(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})[日号]?$",
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$",
)
_MONTH_PATTERNS = (
    r"^(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})$",
    r"^(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月份?$",
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})$",
)
_SERIAL = r"^[0-9]{5}(?:\.[0-9]+)?$"


def _extract_parts(
    text: pa.Array, patterns: Sequence[str], fields: Sequence[str]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Which rows match one of `patterns`, and the integer value of each named group for those rows."""
    count = len(text)
    matched = np.zeros(count, dtype=bool)
    parts = {field: np.zeros(count, dtype=np.int64) for field in fields}
    for pattern in patterns:
        mask = _matches(text, pattern) & ~matched
        if mask.any():
            rows = np.flatnonzero(mask)
            found = pc.extract_regex(text.take(pa.array(rows)), pattern)
            for field in fields:
                parts[field][rows] = _ints(pc.struct_field(found, field))
            matched |= mask
    return matched, parts


def _dates_or_serials(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(days since 1970, recognised, real, serial out of range) for date-shaped text and Excel date numbers."""
    matched, parts = _extract_parts(text, _DATE_PATTERNS, ("y", "m", "d"))
    real = matched & _is_real_date(parts["y"], parts["m"], parts["d"])
    days = np.where(real, _days_since_epoch(parts["y"], parts["m"], parts["d"]), 0)
    serial = _matches(text, _SERIAL) & ~matched
    serial_out_of_range = np.zeros(len(text), dtype=bool)
    if serial.any():
        rows = np.flatnonzero(serial)
        number = np.floor(pc.cast(text.take(pa.array(rows)), pa.float64()).to_numpy()).astype(np.int64)
        in_range = (number >= _SERIAL_MIN) & (number <= _SERIAL_MAX)
        days[rows[in_range]] = number[in_range] + _EXCEL_EPOCH_DAYS
        real[rows[in_range]] = True
        serial_out_of_range[rows[~in_range]] = True
        matched |= serial
    return days, matched, real, serial_out_of_range


_ISO_DATE = "9999-99-99"  # shapes for fixed_shape
_ISO_MONTH = "9999-99"


def _parse_iso(text: pa.Array, width: int) -> Result:
    """Dates (width 10, YYYY-MM-DD) or months (width 7, YYYY-MM) in ISO form, read from a byte matrix."""
    matrix = char_matrix(text, width).astype(np.int64) - ord("0")
    year = matrix[:, 0] * 1000 + matrix[:, 1] * 100 + matrix[:, 2] * 10 + matrix[:, 3]
    month = matrix[:, 5] * 10 + matrix[:, 6]
    day = matrix[:, 8] * 10 + matrix[:, 9] if width == 10 else np.ones_like(month)
    real = _is_real_date(year, month, day)
    days = np.where(real, _days_since_epoch(year, month, day), 0)
    template = (
        _("%(value)s is not a real date: check the month and the day.")
        if width == 10
        else _("%(value)s is not a real month: the month must be between 1 and 12.")
    )
    errors = collect_errors(
        len(text),
        [(~real, lambda r: format_messages(template, len(r), value=shown(text.take(pa.array(r)))))],
    )
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=~real), errors


def parse_dates(values: pa.Array) -> Result:
    """Dates as date32 from 2026-10-03, 2026/10/3, 2026.10.3, 20261003, 2026年10月3日, a trailing time of day,
    or an Excel date number (10000–60000). Day-first and month-first forms (03/10/2026) are refused: they
    are ambiguous.
    """
    return _split_shapes(_as_strings(values), _ISO_DATE, lambda t: _parse_iso(t, 10), _parse_messy_dates)


def _parse_messy_dates(raw: pa.Array) -> Result:
    text = _clean(raw, remove_spaces=False)
    blank = is_blank(text)
    days, matched, real, serial_out_of_range = _dates_or_serials(text)
    errors = collect_errors(
        len(raw),
        [
            (
                ~blank & serial_out_of_range,
                lambda r: format_messages(
                    _(
                        "%(value)s is not a date: as an Excel date number it would lie before 1927 or "
                        "after 2064. Write it as YYYY-MM-DD, for example 2026-10-03."
                    ),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
            (
                ~blank & ~matched,
                lambda r: format_messages(
                    _("%(value)s is not a date: write it as YYYY-MM-DD, for example 2026-10-03."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
            (
                ~blank & ~real,
                lambda r: format_messages(
                    _("%(value)s is not a real date: check the month and the day."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
        ],
    )
    bad = blank | ~real
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=bad), errors


def parse_months(values: pa.Array) -> Result:
    """Months as the date32 of their first day, from 2026-10, 2026/10, 202610, 2026年10月; a full date or an
    Excel date number gives its month.
    """
    return _split_shapes(_as_strings(values), _ISO_MONTH, lambda t: _parse_iso(t, 7), _parse_messy_months)


def _parse_messy_months(raw: pa.Array) -> Result:
    text = _clean(raw, remove_spaces=False)
    blank = is_blank(text)
    matched, parts = _extract_parts(text, _MONTH_PATTERNS, ("y", "m"))
    real = matched & (parts["y"] >= 1) & (parts["m"] >= 1) & (parts["m"] <= 12)
    days = np.where(real, _days_since_epoch(parts["y"], parts["m"], np.ones_like(parts["m"])), 0)
    rest = ~matched & ~blank
    if rest.any():
        rows = np.flatnonzero(rest)
        date_days, date_matched, date_real, _serial_bad = _dates_or_serials(text.take(pa.array(rows)))
        firsts = (date_days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")).astype(
            np.int64
        )
        days[rows] = np.where(date_real, firsts, 0)
        real[rows] = date_real
        matched[rows] = date_matched
    errors = collect_errors(
        len(raw),
        [
            (
                ~blank & ~matched,
                lambda r: format_messages(
                    _("%(value)s is not a month: write it as YYYY-MM, for example 2026-10."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
            (
                ~blank & ~real,
                lambda r: format_messages(
                    _("%(value)s is not a real month: the month must be between 1 and 12."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
        ],
    )
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=blank | ~real), errors


# --- numbers ------------------------------------------------------------------------------------------

_NUMBER = r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?$|^[+-]?\.[0-9]+$"


def _number_text(raw: pa.Array) -> pa.Array:
    """Spaces, currency marks, 元 and accounting brackets removed: "￥1,234.50元" → "1,234.50", "(12)" → "-12"."""
    text = _clean(raw, remove_spaces=True)
    text = pc.replace_substring_regex(text, r"^(?:¥|RMB|CNY)", "")
    text = pc.replace_substring_regex(text, r"(?:元|圆)$", "")
    return pc.replace_substring_regex(text, r"^\((.*)\)$", r"-\1")


def _plain_number(text: pa.Array) -> pa.Array:
    """A number accepted by _NUMBER in the form Arrow casts: no thousands separators, '+', or bare '.'."""
    text = pc.replace_substring(text, ",", "")
    text = pc.replace_substring_regex(text, r"^\+", "")
    text = pc.replace_substring_regex(text, r"\.$", "")
    return pc.replace_substring_regex(text, r"^(-?)\.", r"\10.")


_PLAIN_AMOUNT = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"


def _cast_plain(text: pa.Array, to: pa.DataType) -> Result:
    return pc.cast(text, to), pa.nulls(len(text), pa.string())


def parse_amounts(values: pa.Array) -> Result:
    """Amounts in yuan as decimal128(14, 2), rounded half away from zero to the fen (四舍五入).

    Accepts "1,234.50", "1234.5元", "￥1,234", " 12 ", full-width digits and accounting brackets for a
    negative. A negative amount is kept: whether it is allowed is the schema's business.
    """
    return _split_paths(
        _as_strings(values), _PLAIN_AMOUNT, lambda t: _cast_plain(t, AMOUNT_TYPE), _parse_messy_amounts
    )


def _parse_messy_amounts(raw: pa.Array) -> Result:
    text = _number_text(raw)
    blank = is_blank(text)
    number_ok = _matches(text, _NUMBER)
    plain = _plain_number(text)
    integer_digits = pc.utf8_length(
        pc.replace_substring_regex(pc.replace_substring_regex(plain, r"^-?0*", ""), r"\..*$", "")
    )
    too_large = number_ok & pc.fill_null(pc.greater(integer_digits, _AMOUNT_INTEGER_DIGITS), False).to_numpy(
        zero_copy_only=False
    )
    usable = number_ok & ~too_large
    amounts = pa.nulls(len(raw), AMOUNT_TYPE)
    if usable.any():
        rows = pa.array(np.flatnonzero(usable))
        # Six decimals are kept before rounding: enough to round to the fen exactly, small enough to cast.
        six = pc.replace_substring_regex(plain.take(rows), r"(\.[0-9]{6})[0-9]+$", r"\1")
        rounded = pc.round(pc.cast(six, pa.decimal128(20, 6)), ndigits=2, round_mode="half_towards_infinity")
        overflow = pc.greater_equal(
            pc.abs(rounded), pa.scalar(10**_AMOUNT_INTEGER_DIGITS, pa.decimal128(20, 6))
        )
        if pc.any(overflow).as_py():
            too_large[rows.to_numpy()[overflow.to_numpy(zero_copy_only=False)]] = True
        fitted = pc.cast(
            _null_where(rounded, overflow.to_numpy(zero_copy_only=False)), AMOUNT_TYPE, safe=False
        )
        positions = np.full(len(raw), -1, dtype=np.int64)
        positions[rows.to_numpy()] = np.arange(len(rows))
        amounts = fitted.take(pa.array(positions, mask=positions < 0))
    errors = collect_errors(
        len(raw),
        [
            (
                ~blank & ~number_ok,
                lambda r: format_messages(
                    _("%(value)s is not an amount: write a number of yuan, for example 1234.50."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
            (
                ~blank & too_large,
                lambda r: format_messages(
                    _("%(value)s is too large for an amount in yuan."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            ),
        ],
    )
    return _null_where(amounts, blank | errors.is_valid().to_numpy(zero_copy_only=False)), errors


_INTEGER = r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?$"


def parse_integers(values: pa.Array) -> Result:
    """Whole numbers as int64: "12", " 1,234 ", "12.0" (as Excel writes them); "12.5" is an error."""
    return _split_paths(
        _as_strings(values), r"^-?[0-9]{1,15}$", lambda t: _cast_plain(t, pa.int64()), _parse_messy_integers
    )


def _parse_messy_integers(raw: pa.Array) -> Result:
    text = _clean(raw, remove_spaces=True)
    blank = is_blank(text)
    number_ok = _matches(text, _INTEGER)
    plain = pc.replace_substring_regex(_plain_number(text), r"\.0*$", "")
    digits = pc.utf8_length(pc.replace_substring_regex(plain, r"^-?0*", "")).to_numpy(zero_copy_only=False)
    too_large = number_ok & (np.nan_to_num(digits.astype(float)) > 15)
    usable = number_ok & ~too_large
    numbers = pa.nulls(len(raw), pa.int64())
    if usable.any():
        numbers = pc.cast(_null_where(plain, ~usable), pa.int64())
    errors = collect_errors(
        len(raw),
        [
            (
                ~blank & ~number_ok,
                lambda r: format_messages(
                    _("%(value)s is not a whole number."), len(r), value=shown(raw.take(pa.array(r)))
                ),
            ),
            (
                ~blank & too_large,
                lambda r: format_messages(
                    _("%(value)s is too large a number."), len(r), value=shown(raw.take(pa.array(r)))
                ),
            ),
        ],
    )
    return _null_where(numbers, blank | ~usable), errors


_TRUE = ("是", "y", "yes", "1", "true", "t", "√", "✓", "有", "对")
_FALSE = ("否", "n", "no", "0", "false", "f", "×", "✗", "无", "错")


def parse_booleans(values: pa.Array) -> Result:
    """是/否, Y/N, yes/no, 1/0, true/false, √/× (and 有/无) as booleans."""
    raw = _as_strings(values)
    text = pc.utf8_lower(_clean(raw, remove_spaces=True))
    blank = is_blank(text)
    is_true = pc.fill_null(pc.is_in(text, value_set=pa.array(_TRUE)), False)
    is_false = pc.fill_null(pc.is_in(text, value_set=pa.array(_FALSE)), False)
    known = pc.or_(is_true, is_false).to_numpy(zero_copy_only=False)
    errors = collect_errors(
        len(raw),
        [
            (
                ~blank & ~known,
                lambda r: format_messages(
                    _("%(value)s is not a yes or no: write 是 or 否."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                ),
            )
        ],
    )
    return _null_where(is_true, blank | ~known), errors


# --- codes --------------------------------------------------------------------------------------------


def _code_key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def normalize_codes(values: pa.Array, allowed: Sequence[str] | Mapping[str, str]) -> Result:
    """Each value's canonical code, from a list of codes or a mapping spelling → code.

    Matching ignores width (full-width letters), case and spaces. When every code is a number of the same
    width ("0201"), a shorter number is zero-padded first: Excel drops leading zeros from numbers.
    """
    mapping = dict(allowed) if isinstance(allowed, Mapping) else {code: code for code in allowed}
    mapping = {**{code: code for code in mapping.values()}, **mapping}
    raw = _as_strings(values)
    spellings = pa.array(list(mapping), pa.string())
    canonical = pa.array(list(mapping.values()), pa.string())

    def exact(text: pa.Array) -> Result:
        return canonical.take(pc.index_in(text, value_set=spellings)), pa.nulls(len(text), pa.string())

    found = pc.index_in(raw, value_set=spellings).is_valid().to_numpy(zero_copy_only=False)
    return _split_rows(raw, found, exact, lambda text: _normalize_messy_codes(text, mapping))


def _normalize_messy_codes(raw: pa.Array, mapping: Mapping[str, str]) -> Result:
    keys = {
        _code_key(pc.utf8_normalize(pa.array([k]), form="NFKC")[0].as_py()): v for k, v in mapping.items()
    }
    text = pc.utf8_lower(_clean(raw, remove_spaces=True))
    blank = is_blank(text)
    key_array = pa.array(list(keys), pa.string())
    canonical = pa.array(list(keys.values()), pa.string())
    index = pc.index_in(text, value_set=key_array)
    codes = sorted(set(mapping.values()))
    widths = {len(c) for c in codes}
    if len(widths) == 1 and all(c.isascii() and c.isdigit() for c in codes):
        width = widths.pop()
        shortened = pc.fill_null(pc.match_substring_regex(text, r"^[0-9]+(\.0*)?$"), False)
        padded = pc.utf8_lpad(pc.replace_substring_regex(text, r"\.0*$", ""), width=width, padding="0")
        index = pc.if_else(
            pc.and_(pc.is_null(index), shortened), pc.index_in(padded, value_set=key_array), index
        )
    found = index.is_valid().to_numpy(zero_copy_only=False)
    errors = collect_errors(
        len(raw),
        [
            (
                ~blank & ~found,
                lambda r: format_messages(
                    _("%(value)s is not one of the allowed values: %(allowed)s."),
                    len(r),
                    value=shown(raw.take(pa.array(r))),
                    allowed=", ".join(codes),
                ),
            )
        ],
    )
    return _null_where(canonical.take(index), blank | ~found), errors
