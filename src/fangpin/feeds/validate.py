"""Mapping a file's headers to a feed schema, and validating its rows batch by batch, vectorised.

Every problem becomes one row of `ValidatedBatch.invalid` (row, column, value, code, message, raw row); a
row with any problem is left out of `ValidatedBatch.valid`, whose columns are typed by the schema.
"""

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from fangpin.core.errors import ValidationError
from fangpin.feeds import normalize
from fangpin.feeds.readers import ROW, ROW_PROBLEM, TOO_LONG
from fangpin.feeds.schema import ColumnDef, ColumnType, FeedSchemaDef, normalize_header

INVALID_SCHEMA = pa.schema(
    [
        (ROW, pa.int64()),
        ("column", pa.string()),
        ("header", pa.string()),
        ("value", pa.string()),
        ("code", pa.string()),
        ("message", pa.string()),
        ("raw", pa.string()),
    ]
)

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.TEXT: pa.string(),
    ColumnType.ID_NUMBER: pa.string(),
    ColumnType.CODE: pa.string(),
    ColumnType.DATE: pa.date32(),
    ColumnType.MONTH: pa.date32(),
    ColumnType.AMOUNT: normalize.AMOUNT_TYPE,
    ColumnType.INTEGER: pa.int64(),
    ColumnType.BOOLEAN: pa.bool_(),
}

# A cell that a spreadsheet would run as a formula: its first character. Signs are part of numbers, and a lone
# dash is the usual "none" in Chinese forms, so amounts and integers are only checked for = and @, and "-" or
# "--" pass.
_FORMULA = "=+-@"
_FORMULA_IN_NUMBER = "=@"
_ONLY_DASHES = r"^-+$"
# ="0201" is Excel users' way to keep leading zeros in a CSV: the text inside is meant, not a formula.
_EXCEL_TEXT = r'^\s*="(.*)"\s*$'


# The running number of almost every Chinese form: never data, so not reported as an unknown header.
_SERIAL_NUMBER_HEADERS = frozenset({"序号", "no", "#"})


@dataclass(frozen=True)
class HeaderMapping:
    """Which file header feeds which schema column, and what could not be placed."""

    columns: dict[str, str]  # file header → schema column name
    unknown_headers: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)  # schema column names
    ignored_headers: list[str] = field(default_factory=list)  # an officer chose to ignore these
    conflicting_headers: dict[str, str] = field(default_factory=dict)  # a second header for a mapped column

    @property
    def is_complete(self) -> bool:
        """Every required column has a header and no column has two: the rows can be validated."""
        return not self.missing_required and not self.conflicting_headers

    def header_for(self, column: str) -> str | None:
        return next((h for h, c in self.columns.items() if c == column), None)


def map_headers(
    headers: Sequence[str], schema: FeedSchemaDef, remembered: Mapping[str, str] | None = None
) -> HeaderMapping:
    """File headers → schema columns by their spellings (ignoring width, case, spaces and marks such as *),
    with an officer's remembered choices first; a remembered "" means "ignore this header".
    """
    spellings = {
        normalize_header(spelling): column.name
        for column in schema.columns
        for spelling in column.header_spellings()
    }
    names = {column.name for column in schema.columns}
    chosen = {normalize_header(header): column for header, column in (remembered or {}).items()}
    columns: dict[str, str] = {}
    unknown, ignored, conflicting = [], [], {}
    for header in headers:
        key = normalize_header(header)
        target = chosen.get(key)
        if target == "":
            ignored.append(header)
            continue
        if target not in names:
            target = spellings.get(key)
        if target is None and key in _SERIAL_NUMBER_HEADERS:
            ignored.append(header)
        elif target is None:
            unknown.append(header)
        elif target in columns.values():
            conflicting[header] = target
        else:
            columns[header] = target
    missing = [c.name for c in schema.columns if c.required and c.name not in columns.values()]
    return HeaderMapping(columns, unknown, missing, ignored, conflicting)


@dataclass(frozen=True)
class ValidatedBatch:
    valid: pa.Table  # schema column names, typed, + _row
    invalid: pa.Table  # INVALID_SCHEMA: one row per (row, first problem of each column)


Build = Callable[[np.ndarray], pa.Array]


@dataclass
class _Problems:
    """Failing rows of one batch, gathered column by column: only failing rows are formatted."""

    rows: list[np.ndarray] = field(default_factory=list)
    columns: list[pa.Array] = field(default_factory=list)
    headers: list[pa.Array] = field(default_factory=list)
    values: list[pa.Array] = field(default_factory=list)
    codes: list[pa.Array] = field(default_factory=list)
    messages: list[pa.Array] = field(default_factory=list)

    def add_first(
        self,
        checks: Sequence[tuple[np.ndarray, str, Build]],
        *,
        column: str,
        header: str,
        raw: pa.Array,
    ) -> np.ndarray:
        """The first failing check of each row for one column; returns the rows that failed."""
        taken = np.zeros(len(raw), dtype=bool)
        for mask, code, build in checks:
            selected = mask & ~taken
            if selected.any():
                rows = np.flatnonzero(selected)
                value = raw.take(pa.array(rows))
                self.add(rows, column=column, header=header, value=value, code=code, messages=build(rows))
                taken |= selected
        return taken

    def add(
        self, rows: np.ndarray, *, column: str, header: str, value: pa.Array, code: str, messages: pa.Array
    ) -> None:
        self.rows.append(rows)
        self.columns.append(pa.array([column] * len(rows), pa.string()))
        self.headers.append(pa.array([header] * len(rows), pa.string()))
        self.values.append(pc.cast(value, pa.string()))
        self.codes.append(pa.array([code] * len(rows), pa.string()))
        self.messages.append(pc.cast(messages, pa.string()))

    def table(self, batch: pa.Table, headers: Sequence[str]) -> pa.Table:
        if not self.rows:
            return INVALID_SCHEMA.empty_table()
        positions = np.concatenate(self.rows)
        order = np.argsort(positions, kind="stable")  # by row, then in the order columns were checked
        positions = positions[order]
        unique, first = np.unique(positions, return_index=True)
        raw_rows = batch.select(list(headers)).take(pa.array(unique)).to_pylist()
        # [header, value] pairs, not an object: PostgreSQL's jsonb would reorder an object's keys.
        raw_json = pa.array([json.dumps(list(r.items()), ensure_ascii=False) for r in raw_rows], pa.string())
        inverse = np.repeat(np.arange(len(unique)), np.diff(np.append(first, len(positions))))
        take = pa.array(order)
        return pa.table(
            {
                ROW: batch.column(ROW).combine_chunks().take(pa.array(positions)),
                "column": pa.concat_arrays(self.columns).take(take),
                "header": pa.concat_arrays(self.headers).take(take),
                "value": pa.concat_arrays(self.values).take(take),
                "code": pa.concat_arrays(self.codes).take(take),
                "message": pa.concat_arrays(self.messages).take(take),
                "raw": raw_json.take(pa.array(inverse)),
            },
            schema=INVALID_SCHEMA,
        )


def _parse(column: ColumnDef, raw: pa.Array, today: dt.date) -> tuple[pa.Array, pa.Array]:
    match column.type:
        case ColumnType.TEXT:
            text = pc.utf8_trim_whitespace(raw)
            return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text), pa.nulls(
                len(raw), pa.string()
            )
        case ColumnType.ID_NUMBER:
            return normalize.normalize_id_numbers(raw, today=today)
        case ColumnType.DATE:
            return normalize.parse_dates(raw)
        case ColumnType.MONTH:
            return normalize.parse_months(raw)
        case ColumnType.AMOUNT:
            return normalize.parse_amounts(raw)
        case ColumnType.INTEGER:
            return normalize.parse_integers(raw)
        case ColumnType.BOOLEAN:
            return normalize.parse_booleans(raw)
        case ColumnType.CODE:
            return normalize.normalize_codes(raw, column.code_map())
    raise AssertionError(column.type)


def _mask(array: pa.Array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _formulas(raw: pa.Array, signs: str) -> np.ndarray:
    """Cells starting with one of `signs` (ASCII), except dashes only ("-", "--"); read from the first byte of
    each cell."""
    first = normalize.first_bytes(raw)
    found = np.isin(first, np.frombuffer(signs.encode(), dtype=np.uint8))
    if "-" in signs:
        dashes = np.flatnonzero(first == ord("-"))
        if len(dashes):
            found[dashes] = ~_mask(pc.match_substring_regex(raw.take(pa.array(dashes)), _ONLY_DASHES))
    return found


def _range_checks(
    column: ColumnDef, values: pa.Array, raw: pa.Array, today: dt.date
) -> list[tuple[np.ndarray, str, Build]]:
    """Checks on parsed values: dates not in the future, amounts not negative, min and max."""

    def shown_values(rows: np.ndarray) -> pa.Array:
        return normalize.shown(raw.take(pa.array(rows)))

    checks: list[tuple[np.ndarray, str, Build]] = []
    if column.not_future:
        limit = today if column.type is ColumnType.DATE else today.replace(day=1)
        checks.append(
            (
                _mask(pc.greater(values, pa.scalar(limit, pa.date32()))),
                "future",
                lambda r: normalize.format_messages(
                    _("%(value)s is in the future: this date cannot be after today (%(today)s)."),
                    len(r),
                    value=shown_values(r),
                    today=today.isoformat(),
                ),
            )
        )
    if column.type not in (ColumnType.AMOUNT, ColumnType.INTEGER):
        return checks
    scalar_type = values.type

    def scalar(number: Decimal) -> pa.Scalar:
        if column.type is ColumnType.AMOUNT:
            return pa.scalar(number.quantize(Decimal("0.01")), scalar_type)
        return pa.scalar(int(number), scalar_type)

    if column.type is ColumnType.AMOUNT and column.min is None:
        checks.append(
            (
                _mask(pc.less(values, scalar(Decimal(0)))),
                "negative",
                lambda r: normalize.format_messages(
                    _("%(value)s is negative: this amount cannot be below zero."),
                    len(r),
                    value=shown_values(r),
                ),
            )
        )
    if column.min is not None:
        minimum = column.min
        checks.append(
            (
                _mask(pc.less(values, scalar(minimum))),
                "below_min",
                lambda r: normalize.format_messages(
                    _("%(value)s is below the smallest allowed value, %(min)s."),
                    len(r),
                    value=shown_values(r),
                    min=str(minimum),
                ),
            )
        )
    if column.max is not None:
        maximum = column.max
        checks.append(
            (
                _mask(pc.greater(values, scalar(maximum))),
                "above_max",
                lambda r: normalize.format_messages(
                    _("%(value)s is above the largest allowed value, %(max)s."),
                    len(r),
                    value=shown_values(r),
                    max=str(maximum),
                ),
            )
        )
    return checks


def _rows_with_long_cell(batch: pa.Table) -> dict[str, np.ndarray]:
    """File header → indices of rows whose cell under it was cut by the reader."""
    if TOO_LONG not in batch.column_names:
        return {}
    lists = batch.column(TOO_LONG).combine_chunks()
    flat = pc.list_flatten(lists)
    if not len(flat):
        return {}
    parents = pc.list_parent_indices(lists).to_numpy()
    return {h: parents[_mask(pc.equal(flat, h))] for h in set(flat.to_pylist())}


def validate_batch(
    batch: pa.Table, schema: FeedSchemaDef, mapping: HeaderMapping, *, today: dt.date
) -> ValidatedBatch:
    """Typed valid rows and one invalid row per problem (the first problem of each column of each row).

    Checked: too-long cells, spreadsheet formulas, required cells, types, codes, future dates, negative
    amounts, min and max, the reader's row problems, and repeated keys within the batch ("duplicate of row N").
    """
    if not mapping.is_complete:
        problems = []
        if mapping.missing_required:
            problems.append(
                _("these required columns have no header in the file: %(columns)s")
                % {"columns": ", ".join(schema.column(c).label() for c in mapping.missing_required)}
            )
        if mapping.conflicting_headers:
            problems.append(
                _("these headers name a column that another header already names: %(headers)s")
                % {"headers": ", ".join(mapping.conflicting_headers)}
            )
        raise ValidationError("; ".join(problems), field="headers")
    count = batch.num_rows
    long_cells = _rows_with_long_cell(batch)
    problems_found = _Problems()
    bad = np.zeros(count, dtype=bool)
    typed: dict[str, pa.Array] = {}
    for column in schema.columns:
        header = mapping.header_for(column.name)
        raw = (
            pc.cast(batch.column(header).combine_chunks(), pa.string())
            if header is not None
            else pa.nulls(count, pa.string())
        )
        if (
            column.type in (ColumnType.ID_NUMBER, ColumnType.CODE, ColumnType.INTEGER)
            and pc.any(pc.match_substring(raw, '="')).as_py()
        ):
            raw = pc.replace_substring_regex(raw, _EXCEL_TEXT, r"\1")
        values, parse_errors = _parse(column, raw, today)
        values = pc.cast(values, ARROW_TYPES[column.type])
        typed[column.name] = values
        blank = normalize.is_blank(pc.utf8_trim_whitespace(raw))
        too_long = np.zeros(count, dtype=bool)
        if header in long_cells:
            too_long[long_cells[header]] = True
        numeric = column.type in (ColumnType.AMOUNT, ColumnType.INTEGER)
        formula = _formulas(raw, _FORMULA_IN_NUMBER if numeric else _FORMULA)
        label = column.label()
        checks: list[tuple[np.ndarray, str, Build]] = [
            (
                too_long,
                "too_long",
                lambda r, raw=raw: normalize.format_messages(
                    _("This cell is too long (over %(limit)s bytes) and was cut: %(value)s"),
                    len(r),
                    limit=str(_max_cell_bytes(batch)),
                    value=normalize.shown(raw.take(pa.array(r))),
                ),
            ),
            (
                formula,
                "formula",
                lambda r, raw=raw: normalize.format_messages(
                    _("%(value)s starts with “%(sign)s” (a spreadsheet formula): type it without that sign."),
                    len(r),
                    value=normalize.shown(raw.take(pa.array(r))),
                    sign=pc.utf8_slice_codeunits(raw.take(pa.array(r)), 0, 1),
                ),
            ),
            (
                blank & column.required,
                "required",
                lambda r, label=label: normalize.format_messages(
                    _("%(column)s is required, but this cell is empty."), len(r), column=label
                ),
            ),
            (
                _mask(parse_errors.is_valid()),
                "unknown_code" if column.type is ColumnType.CODE else f"invalid_{column.type.value}",
                lambda r, errors=parse_errors: errors.take(pa.array(r)),
            ),
            *_range_checks(column, values, raw, today),
        ]
        bad |= problems_found.add_first(checks, column=column.name, header=header or "", raw=raw)
    if ROW_PROBLEM in batch.column_names:
        reader_problems = batch.column(ROW_PROBLEM).combine_chunks()
        rows = np.flatnonzero(_mask(reader_problems.is_valid()))
        if len(rows):
            problems_found.add(
                rows,
                column="",
                header="",
                value=pa.nulls(len(rows), pa.string()),
                code="row_shape",
                messages=reader_problems.take(pa.array(rows)),
            )
            bad[rows] = True
    bad |= _duplicates(schema, typed, batch, bad, problems_found)
    valid = pa.table({**typed, ROW: batch.column(ROW)}).filter(pa.array(~bad))
    headers = [h for h in batch.column_names if h not in (ROW, TOO_LONG, ROW_PROBLEM)]
    return ValidatedBatch(valid=valid, invalid=problems_found.table(batch, headers))


def _max_cell_bytes(batch: pa.Table) -> int:
    metadata = batch.schema.metadata or {}
    return int(metadata.get(b"fangpin.max_cell_bytes", b"100000"))


def _key_codes(columns: Sequence[pa.Array]) -> np.ndarray:
    """One integer per row, equal for rows whose values are equal in every column (nulls equal each other)."""
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    size = 1
    for column in columns:
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        cardinality = max(len(encoded.dictionary), 1)
        if size * cardinality >= 2**62:  # renumber densely before the combined number could overflow
            _unique, codes = np.unique(codes, return_inverse=True)
            size = int(codes.max()) + 1
        codes = codes * cardinality + encoded.indices.to_numpy(zero_copy_only=False)
        size *= cardinality
    return codes


def _duplicates(
    schema: FeedSchemaDef, typed: Mapping[str, pa.Array], batch: pa.Table, bad: np.ndarray, found: _Problems
) -> np.ndarray:
    """Rows repeating an earlier row's key within the batch; only rows without other problems are compared,
    so a correct row is never refused in favour of a wrong one.
    """
    duplicate = np.zeros(len(bad), dtype=bool)
    candidates = np.flatnonzero(~bad)
    if len(candidates) < 2:
        return duplicate
    codes = _key_codes([typed[name].take(pa.array(candidates)) for name in schema.key])
    _unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    first_of_row = first[inverse]
    repeats = np.flatnonzero(first_of_row != np.arange(len(candidates)))
    if not len(repeats):
        return duplicate
    rows = candidates[repeats]
    original = batch.column(ROW).combine_chunks().take(pa.array(candidates[first_of_row[repeats]]))
    labels = ", ".join(schema.column(name).label() for name in schema.key)
    found.add(
        rows,
        column=",".join(schema.key),
        header="",
        value=pa.nulls(len(rows), pa.string()),
        code="duplicate",
        messages=normalize.format_messages(
            _("This row repeats row %(row)s: the same %(columns)s."), len(rows), row=original, columns=labels
        ),
    )
    duplicate[rows] = True
    return duplicate
