"""Formula-injection defence for every CSV and Excel file fangpin writes (OWASP "CSV injection").

A cell whose text starts with =, +, -, @, a tab or a carriage return may run as a formula when a spreadsheet
opens the file; a leading apostrophe makes Excel and WPS show it as plain text.
"""

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


def neutralise_formula(value: str) -> str:
    """`value` with a leading apostrophe when a spreadsheet could read it as a formula, else unchanged."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def neutralise_formulas(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The vectorised `neutralise_formula` over a string array; nulls stay null."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    risky = pc.fill_null(pc.match_substring_regex(arr, _FORMULA_PATTERN), False)
    quoted = pc.binary_join_element_wise(pa.scalar("'", arr.type), arr, pa.scalar("", arr.type))
    return pc.if_else(risky, quoted, arr)
