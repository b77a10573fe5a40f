"""Reading department files as they come: CSV in UTF-8 or GBK, Excel (XLSX, XLS) and Parquet, told apart by content.

`open_table` finds the header under any title rows and `RawTable.batches` streams all-string Arrow tables
with file row numbers, dropping empty and total rows; anything that is not a table raises `FileUnreadable`.
Memory is bounded by a batch whatever the file's size, except for XLS (at most 65,536 rows, read whole).
"""

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import python_calamine
from django.utils.translation import gettext as _

from fangpin.core.errors import FangpinError
from fangpin.feeds import normalize, xlsx

ROW = "_row"
TOO_LONG = "_too_long"
ROW_PROBLEM = "_row_problem"
_RESERVED = {ROW, TOO_LONG, ROW_PROBLEM}

_SAMPLE_BYTES = 4 * 1024 * 1024  # enough to judge the encoding and find the header
_HEADER_WINDOW = 20  # the header is searched for in the first 20 rows
_PEEK_ROWS = 1_000  # data rows checked at open time for values under a column without a header
_CSV_BLOCK_BYTES = 4 * 1024 * 1024  # pyarrow reads ahead several blocks; a block must hold the longest row
_DELIMITERS = (",", "\t", ";", "|")
# A cell that is data rather than a header: a number (also Excel's 4.5E+17) or a date in digits.
_DATA_LIKE = re.compile(
    r"^[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][-+]?\d+)?$|^\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?$"
)
_NOTE = re.compile(r"[:：]\s*\S")  # "填报单位：安宁县民政局", a note above the table, not a column name
_TOTAL_ROW = r"^(合计|总计|小计|共计|总合计|total|subtotal|grandtotal)[:：]?$"
_TOTAL_LEADS = np.frombuffer(b"tTsSgG", dtype=np.uint8)  # the ASCII letters a total's first word starts with
# Control characters other than tab, CR and LF: a text file with more than a few is binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileUnreadable(FangpinError):
    """The file is not a table fangpin can read (wrong format, damaged, no header); the message says why."""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names the column at `index`."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _is_empty(cell: str) -> bool:
    return not cell.strip()


def find_header_row(rows: Sequence[Sequence[str]]) -> int:
    """The index of the header among the first 20 rows: the first row with ≥ 2 filled cells, at least half as
    many as the widest row, ≥ 80% of them names (not numbers, dates or "label：value" notes such as
    填报单位：民政局), and not much narrower than the rows below it. Title rows fail one of these.
    """
    window = [[cell.strip() for cell in row] for row in rows[:_HEADER_WINDOW]]
    filled = [[cell for cell in row if cell] for row in window]
    widest = max((len(cells) for cells in filled), default=0)
    for index, cells in enumerate(filled):
        if len(cells) < 2 or 2 * len(cells) < widest:
            continue
        names = sum(1 for cell in cells if not _DATA_LIKE.match(cell) and not _NOTE.search(cell))
        if 5 * names < 4 * len(cells):
            continue
        # A header names (nearly) every column the data below it uses.
        below = [len(row) for row in filled[index + 1 :] if row][:5]
        if 2 * sum(1 for width in below if width >= len(cells) + 2) <= len(below):
            return index
    raise _no_header()


def _empty_cells(column: pa.Array) -> np.ndarray:
    """Cells that are null, empty or only white space."""
    lead = normalize.first_bytes(column)
    # A printable ASCII character other than a space first: certainly filled, without the Unicode test.
    empty = ~((lead > 0x20) & (lead < 0x7F))
    unsure = np.flatnonzero(empty)
    if len(unsure):
        cells = column.take(pa.array(unsure)) if len(unsure) < len(column) else column
        blank = pc.or_(pc.equal(pc.binary_length(cells), 0), pc.utf8_is_space(cells))
        empty[unsure] = pc.fill_null(blank, True).to_numpy(zero_copy_only=False)
    return empty


def _first_filled(columns: Sequence[pa.Array]) -> np.ndarray:
    """For each row, the index of its first filled column (-1 when every cell is empty). Each column is
    tested only on the rows still without a filled cell: usually the first column settles nearly all."""
    count = len(columns[0]) if columns else 0
    first = np.full(count, -1, dtype=np.int64)
    undecided = np.arange(count)
    for index, column in enumerate(columns):
        if not len(undecided):
            break
        cells = column if len(undecided) == count else column.take(pa.array(undecided))
        empty = _empty_cells(cells)
        first[undecided[~empty]] = index
        undecided = undecided[empty]
    return first


def _no_header() -> FileUnreadable:
    return FileUnreadable(
        _(
            "No header row was found in the first %(n)d rows: the file needs a row of column names "
            "(such as 姓名, 身份证号) above the data."
        )
        % {"n": _HEADER_WINDOW}
    )


def _check_headers(cells: Sequence[str]) -> tuple[list[str], list[str]]:
    """(internal column names, headers) for a header row; a blank header cell gets an internal name."""
    names = []
    for index, cell in enumerate(cells):
        header = cell.strip()
        if header in _RESERVED:
            raise FileUnreadable(
                _("The header %(header)s is a name fangpin uses itself; rename the column.")
                % {"header": header}
            )
        names.append(header or f"_blank_{index}")
    headers = [n for n in names if not n.startswith("_blank_")]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise FileUnreadable(
            _("These column headers appear more than once: %(headers)s. Each column needs its own header.")
            % {"headers": ", ".join(repeated)}
        )
    if len(headers) < 2:
        raise FileUnreadable(_("The header row has fewer than two column names."))
    return names, headers


def _blank_columns_with_data(names: Sequence[str], rows: Sequence[Sequence[str]], first_column: int) -> None:
    """FileUnreadable naming the columns that have no header but hold values in `rows`."""
    bad = [
        column_letter(first_column + index)
        for index, name in enumerate(names)
        if name.startswith("_blank_") and any(index < len(row) and not _is_empty(row[index]) for row in rows)
    ]
    if bad:
        raise FileUnreadable(
            _("Columns %(columns)s have values but no header. Give each of them a header, or delete them.")
            % {"columns": ", ".join(bad)}
        )


@dataclass
class RawTable:
    """A department file opened for reading: where its header is, its headers, and its rows in batches.

    `batches` yields tables with one string column per header (as in the file), `_row` (the 1-based row
    number in the file), `_too_long` (the headers whose cell was longer than `max_cell_bytes` and was cut)
    and `_row_problem` (what is wrong with the row's shape, such as values beyond the last header). Empty rows
    and total rows (合计, 总计, 小计, Total) are dropped; the numbers of dropped total rows are in `total_rows`.
    """

    path: Path
    format: str
    encoding: str | None
    header_row: int
    headers: list[str]
    max_cell_bytes: int
    names: list[str] = field(repr=False)
    first_column: int = field(default=0, repr=False)
    total_rows: list[int] = field(default_factory=list)

    def batches(self, batch_rows: int = 100_000) -> Iterator[pa.Table]:
        """All data rows in tables of at most `batch_rows` rows; FileUnreadable if the file breaks mid-way."""
        buffered: list[pa.Table] = []
        size = 0
        for chunk in self._chunks(batch_rows):
            table = self._finish(chunk)
            if table.num_rows == 0:
                continue
            buffered.append(table)
            size += table.num_rows
            while size >= batch_rows:
                merged = pa.concat_tables(buffered)
                yield merged.slice(0, batch_rows)
                rest = merged.slice(batch_rows)
                buffered, size = ([rest], rest.num_rows) if rest.num_rows else ([], 0)
        if size:
            yield pa.concat_tables(buffered)

    def _chunks(self, batch_rows: int) -> Iterator[pa.Table]:
        """Tables of string columns named `self.names`, plus `_row` and optionally `_row_problem`."""
        raise NotImplementedError

    def _finish(self, chunk: pa.Table) -> pa.Table:
        count = chunk.num_rows
        columns = [chunk.column(name).combine_chunks() for name in self.names]
        problems = (
            chunk.column(ROW_PROBLEM).combine_chunks()
            if ROW_PROBLEM in chunk.column_names
            else pa.nulls(count, pa.string())
        )
        problems = self._blank_column_problems(columns, problems)
        first = _first_filled(columns)
        row_empty = (first < 0) & ~problems.is_valid().to_numpy(zero_copy_only=False)
        total = self._total_rows(columns, first)
        rows = chunk.column(ROW).combine_chunks()
        if total.any():
            self.total_rows.extend(rows.filter(pa.array(total)).to_pylist())
        keep = ~row_empty & ~total
        data = {
            name: column
            for name, column in zip(self.names, columns, strict=True)
            if not name.startswith("_blank_")
        }
        data, too_long = self._cut_long_cells(data)
        table = pa.table({**data, ROW: pc.cast(rows, pa.int64()), TOO_LONG: too_long, ROW_PROBLEM: problems})
        if not keep.all():
            table = table.filter(pa.array(keep))
        metadata = {b"fangpin.max_cell_bytes": str(self.max_cell_bytes).encode()}
        return table.replace_schema_metadata(metadata)

    def _blank_column_problems(self, columns: Sequence[pa.Array], problems: pa.Array) -> pa.Array:
        """A row problem for every value found under a column without a header (the rare, slow path)."""
        blank = [i for i, name in enumerate(self.names) if name.startswith("_blank_")]
        if not blank:
            return problems
        empty = np.column_stack([_empty_cells(columns[i]) for i in blank])
        if empty.all():
            return problems
        messages = problems.to_pylist()
        for row in np.flatnonzero(~empty.all(axis=1)):
            found = [
                _("column %(column)s has “%(value)s”")
                % {"column": column_letter(self.first_column + i), "value": columns[i][row].as_py()[:40]}
                for position, i in enumerate(blank)
                if not empty[row, position]
            ]
            text = _("There are values where the header row has no column name: %(cells)s.") % {
                "cells": "; ".join(found)
            }
            messages[row] = f"{messages[row]} {text}" if messages[row] else text
        return pa.array(messages, pa.string())

    @staticmethod
    def _total_rows(columns: Sequence[pa.Array], first: np.ndarray) -> np.ndarray:
        """Rows whose first filled cell says 合计, 总计, 小计 or Total: sums, not records."""
        total = np.zeros(len(first), dtype=bool)
        for index, column in enumerate(columns):
            rows = np.flatnonzero(first == index)
            if not len(rows):
                continue
            # A cell starting with a printable ASCII character other than those of "total", "subtotal"
            # and "grandtotal" cannot be a total (normalising and removing spaces keeps that character
            # first): ID numbers, dates and amounts are passed over without the costly full test.
            lead = normalize.first_bytes(column.take(pa.array(rows)) if len(rows) < len(column) else column)
            rows = rows[~((lead > 0x20) & (lead < 0x80) & ~np.isin(lead, _TOTAL_LEADS))]
            if len(rows):
                cells = pc.replace_substring_regex(
                    pc.utf8_normalize(column.take(pa.array(rows)), form="NFKC"), r"\s+", ""
                )
                is_total = pc.match_substring_regex(cells, _TOTAL_ROW, ignore_case=True)
                total[rows] = pc.fill_null(is_total, False).to_numpy(zero_copy_only=False)
        return total

    def _cut_long_cells(self, data: dict[str, pa.Array]) -> tuple[dict[str, pa.Array], pa.Array]:
        """Cells longer than max_cell_bytes cut to that length (at a character boundary) and listed per row."""
        count = len(next(iter(data.values())))
        flagged: dict[int, list[str]] = {}
        for header, column in data.items():
            if (pc.max(pc.binary_length(column)).as_py() or 0) <= self.max_cell_bytes:
                continue
            long = pc.fill_null(pc.greater(pc.binary_length(column), self.max_cell_bytes), False)
            values = column.to_pylist()
            for row in np.flatnonzero(long.to_numpy(zero_copy_only=False)):
                values[row] = values[row].encode()[: self.max_cell_bytes].decode("utf-8", "ignore")
                flagged.setdefault(int(row), []).append(header)
            data[header] = pa.array(values, pa.string())
        if not flagged:
            return data, pa.nulls(count, pa.list_(pa.string()))
        too_long = pa.array([flagged.get(row) for row in range(count)], pa.list_(pa.string()))
        return data, too_long


# --- CSV ----------------------------------------------------------------------------------------------


def _detect_encoding(sample: bytes, is_whole_file: bool) -> tuple[str, str]:
    """(Python codec, pyarrow encoding) of a text file, judged from its first few MB."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "utf8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16"  # Excel's "Unicode text" export
    if b"\x00" in sample:
        raise FileUnreadable(
            _("The file holds binary data, not text: it is neither a CSV file nor an Excel or Parquet file.")
        )
    for codec, arrow_name in (("utf-8", "utf8"), ("gb18030", "gb18030")):
        try:
            codecs.getincrementaldecoder(codec)().decode(sample, final=is_whole_file)
        except UnicodeDecodeError:
            continue
        return codec, arrow_name
    raise FileUnreadable(_("The file is neither UTF-8 nor GBK/GB18030 text, nor an Excel or Parquet file."))


def _sample_records(text: str, delimiter: str, is_whole_file: bool) -> list[tuple[list[str], int]]:
    """The first records of the sample with the number of physical lines read after each."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append((record, reader.line_num))
            if len(records) > _HEADER_WINDOW + _PEEK_ROWS:
                break
    except csv.Error:
        pass  # a huge cell or a stray quote: judge from the records read so far
    if not is_whole_file and len(records) <= _HEADER_WINDOW + _PEEK_ROWS:
        records = records[:-1]  # the last record may be cut by the end of the sample
    return records


@dataclass
class _CsvTable(RawTable):
    delimiter: str = ","
    arrow_encoding: str = "utf8"
    skip_lines: int = 0
    ends_with_newline: bool = True
    has_data: bool = True

    def _chunks(self, batch_rows: int) -> Iterator[pa.Table]:
        refused: list[tuple[int, str]] = []

        def on_invalid_row(row: Any) -> str:
            refused.append((row.number, row.text))
            return "skip"

        if not self.has_data:
            return
        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(
                    encoding=self.arrow_encoding,
                    skip_rows=self.skip_lines,
                    column_names=self.names,
                    block_size=max(_CSV_BLOCK_BYTES, 4 * self.max_cell_bytes),
                    use_threads=False,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid_row,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(self.names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            next_row = self.header_row + 1
            # pyarrow numbers refused rows by lines skipped + records read; fangpin numbers records.
            offset = self.header_row - self.skip_lines
            pending: list[tuple[int, str]] = []
            for batch in self._read(reader):
                pending.extend((number + offset, text) for number, text in refused if number is not None)
                refused.clear()
                numbers = self._row_numbers(next_row, batch.num_rows, {n for n, _t in pending})
                table = pa.Table.from_batches([batch]).append_column(ROW, pa.array(numbers, pa.int64()))
                if len(numbers):
                    next_row = int(numbers[-1]) + 1
                now = [p for p in pending if p[0] < next_row]
                pending = [p for p in pending if p[0] >= next_row]
                yield self._with_refused(table, now, is_last=False)
            pending.extend((number + offset, text) for number, text in refused if number is not None)
            if pending:
                yield self._with_refused(self._empty_chunk(), pending, is_last=True)
        except pa.ArrowInvalid as exc:
            raise self._unreadable(exc) from None
        except UnicodeDecodeError:
            raise FileUnreadable(
                _(
                    "Part of the file is not %(encoding)s text: it mixes encodings or is damaged. "
                    "Save it again as CSV (UTF-8) or as an Excel file."
                )
                % {"encoding": self.encoding}
            ) from None

    def _read(self, reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            yield batch

    def _unreadable(self, exc: pa.ArrowInvalid) -> FileUnreadable:
        message = str(exc)
        if "straddl" in message:
            return FileUnreadable(
                _("A row of the file is longer than %(mb)d MB: this is not a table a department exports.")
                % {"mb": max(_CSV_BLOCK_BYTES, 4 * self.max_cell_bytes) // (1024 * 1024)}
            )
        return FileUnreadable(
            _("The file is damaged or is not %(encoding)s text past its start (%(detail)s).")
            % {"encoding": self.encoding, "detail": message[:200]}
        )

    @staticmethod
    def _row_numbers(start: int, count: int, refused: set[int]) -> np.ndarray:
        """The numbers of `count` rows read from `start` on, skipping the rows pyarrow refused."""
        numbers = np.arange(start, start + count + len(refused), dtype=np.int64)
        if refused:
            numbers = numbers[~np.isin(numbers, np.fromiter(refused, dtype=np.int64))]
        return numbers[:count]

    def _empty_chunk(self) -> pa.Table:
        return pa.table({**{n: pa.array([], pa.string()) for n in self.names}, ROW: pa.array([], pa.int64())})

    def _with_refused(self, table: pa.Table, refused: list[tuple[int, str]], *, is_last: bool) -> pa.Table:
        """Rows with more or fewer cells than the header, parsed here and padded, with what is wrong."""
        table = table.append_column(ROW_PROBLEM, pa.nulls(table.num_rows, pa.string()))
        if not refused:
            return table
        last = max(number for number, _t in refused)
        records: dict[str, list[Any]] = {name: [] for name in [*self.names, ROW, ROW_PROBLEM]}
        for number, text in sorted(refused):
            cells = next(csv.reader([text], delimiter=self.delimiter), [])
            problem = None
            extra = [cell for cell in cells[len(self.names) :] if not _is_empty(cell)]
            if extra:
                problem = _(
                    "This row has more cells than the header row: %(cells)s are beyond the last column."
                ) % {"cells": ", ".join(f"“{cell[:40]}”" for cell in extra)}
            elif is_last and number == last and not self.ends_with_newline and len(cells) < len(self.names):
                problem = _(
                    "The file ends in the middle of this row: it may have been cut off. Ask for it again."
                )
            cells = (cells + [""] * len(self.names))[: len(self.names)]
            for name, cell in zip(self.names, cells, strict=True):
                records[name].append(cell)
            records[ROW].append(number)
            records[ROW_PROBLEM].append(problem)
        extra_rows = pa.table(
            {
                name: pa.array(values, pa.int64() if name == ROW else pa.string())
                for name, values in records.items()
            }
        )
        return pa.concat_tables([table, extra_rows]).sort_by(ROW)


def _open_csv(path: Path, sample: bytes, size: int, max_cell_bytes: int) -> RawTable:
    is_whole_file = len(sample) >= size
    codec, arrow_encoding = _detect_encoding(sample, is_whole_file)
    text = codecs.getincrementaldecoder(codec)().decode(sample, final=is_whole_file)
    if not text.strip():
        raise FileUnreadable(_("The file is empty."))
    if len(_CONTROL.findall(text[:100_000])) > max(3, len(text[:100_000]) // 100):
        raise FileUnreadable(
            _("The file holds binary data, not text: it is neither a CSV file nor an Excel or Parquet file.")
        )
    best: tuple[int, str, int, list[tuple[list[str], int]]] | None = None
    for delimiter in _DELIMITERS:
        records = _sample_records(text, delimiter, is_whole_file)
        try:
            index = find_header_row([r for r, _lines in records])
        except FileUnreadable:
            continue
        width = sum(1 for cell in records[index][0] if cell.strip())
        if best is None or width > best[0]:
            best = (width, delimiter, index, records)
    if best is None:
        raise _no_header()
    _width, delimiter, index, records = best
    names, headers = _check_headers(records[index][0])
    _blank_columns_with_data(names, [r for r, _lines in records[index + 1 : index + 1 + _PEEK_ROWS]], 0)
    with path.open("rb") as file:
        file.seek(max(0, size - 2))
        ends_with_newline = file.read().endswith((b"\n", b"\r"))
    return _CsvTable(
        path=path,
        format="csv",
        encoding=codec,
        header_row=index + 1,
        headers=headers,
        max_cell_bytes=max_cell_bytes,
        names=names,
        delimiter=delimiter,
        arrow_encoding=arrow_encoding,
        skip_lines=records[index][1],
        ends_with_newline=ends_with_newline,
        # pyarrow cannot skip past a header that nothing follows.
        has_data=not is_whole_file
        or "".join(text.splitlines(keepends=True)[records[index][1] :]).strip() != "",
    )


# --- Excel --------------------------------------------------------------------------------------------


def _row_texts(row: Sequence[Any]) -> list[str]:
    return [xlsx.cell_text(value) for value in row]


def _damaged(kind: str, detail: object) -> FileUnreadable:
    return FileUnreadable(
        _("The %(kind)s file is damaged or cut off and cannot be opened (%(detail)s). Ask for it again.")
        % {"kind": kind, "detail": str(detail)[:200]}
    )


def _damaged_after(row: int, detail: object) -> FileUnreadable:
    return FileUnreadable(
        _("The Excel file is damaged after row %(row)d (%(detail)s).") % {"row": row, "detail": detail}
    )


@dataclass
class _ExcelTable(RawTable):
    """An XLS workbook read by calamine, which loads the sheet whole (an XLS sheet has at most 65,536 rows)."""

    rows: Iterator[list[Any]] | None = field(default=None, repr=False)
    peeked: list[list[Any]] = field(default_factory=list, repr=False)

    def _chunks(self, batch_rows: int) -> Iterator[pa.Table]:
        if self.rows is None:
            raise FileUnreadable(_("The rows of this file have already been read; open it again."))
        rows, self.rows = self.rows, None
        number = self.header_row + 1
        chunk, self.peeked = self.peeked, []
        try:
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch_rows:
                    yield self._table(chunk, number)
                    number += len(chunk)
                    chunk = []
        except python_calamine.CalamineError as exc:
            raise _damaged_after(number, exc) from None
        if chunk:
            yield self._table(chunk, number)

    def _table(self, rows: list[list[Any]], first: int) -> pa.Table:
        width = len(self.names)
        columns = {}
        extra: list[str | None] = [None] * len(rows)
        for index, row in enumerate(rows):
            if len(row) > width and any(xlsx.cell_text(v).strip() for v in row[width:]):
                cells = [f"“{xlsx.cell_text(v)[:40]}”" for v in row[width:] if xlsx.cell_text(v).strip()]
                extra[index] = _(
                    "This row has more cells than the header row: %(cells)s are beyond the last column."
                ) % {"cells": ", ".join(cells)}
        for position, name in enumerate(self.names):
            values = [row[position] if position < len(row) else "" for row in rows]
            if not all(type(v) is str for v in values):
                values = [xlsx.cell_text(v) for v in values]
            columns[name] = pa.array(values, pa.string())
        columns[ROW] = pa.array(np.arange(first, first + len(rows), dtype=np.int64))
        columns[ROW_PROBLEM] = pa.array(extra, pa.string())
        return pa.table(columns)


def _open_xls(path: Path, max_cell_bytes: int) -> RawTable:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [
            index
            for index, meta in enumerate(workbook.sheets_metadata)
            if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            and meta.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        sheet = None
        for index in sheets:
            candidate = workbook.get_sheet_by_index(index)
            if candidate.height and candidate.width:
                sheet = candidate
                break
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise _damaged("XLS", exc) from None
    if sheet is None:
        raise FileUnreadable(_("The file is empty."))
    # calamine yields rows from the sheet's first row and columns from its first used column.
    first_column = sheet.start[1] if sheet.start else 0
    rows = iter(sheet.iter_rows())
    window = []
    for row in rows:
        window.append(row)
        if len(window) >= _HEADER_WINDOW:
            break
    index = find_header_row([_row_texts(row) for row in window])
    names, headers = _check_headers(_row_texts(window[index]))
    peeked = window[index + 1 :]
    for row in rows:
        peeked.append(row)
        if len(peeked) >= _PEEK_ROWS:
            break
    _blank_columns_with_data(names, [_row_texts(row) for row in peeked], first_column)
    return _ExcelTable(
        path=path,
        format="xls",
        encoding=None,
        header_row=index + 1,
        headers=headers,
        max_cell_bytes=max_cell_bytes,
        names=names,
        first_column=first_column,
        rows=rows,
        peeked=peeked,
    )


@dataclass
class _XlsxTable(RawTable):
    """An XLSX workbook read chunk by chunk (fangpin.feeds.xlsx): the chunks read to find the header are held,
    the rest of the sheet is read as the batches are asked for."""

    held: list[xlsx.Cells] = field(default_factory=list, repr=False)
    rest: Iterator[xlsx.Cells] | None = field(default=None, repr=False)

    def _chunks(self, batch_rows: int) -> Iterator[pa.Table]:
        if self.rest is None:
            raise FileUnreadable(_("The rows of this file have already been read; open it again."))
        rest, self.rest = self.rest, None
        held, self.held = self.held, []
        number = self.header_row
        try:
            for cells in itertools.chain(held, rest):
                cells = cells.select(cells.row > self.header_row)
                if len(cells):
                    yield self._table(cells)
                    number = int(cells.row.max())
        except xlsx.XlsxError as exc:
            raise _damaged_after(number, exc) from None

    def _table(self, cells: xlsx.Cells) -> pa.Table:
        """One string column per header from the cells under it, in bulk; cells left of the first column or
        right of the last become the row's problem, as in the other formats."""
        rows, position = np.unique(cells.row, return_inverse=True)
        offset = cells.column - self.first_column
        order = np.argsort(offset, kind="stable")
        bounds = np.searchsorted(offset[order], np.arange(len(self.names) + 1))
        texts = pa.concat_arrays([cells.text, pa.array([""], pa.string())])  # the last one fills gaps
        columns = {}
        for index, name in enumerate(self.names):
            picked = order[bounds[index] : bounds[index + 1]]
            take = np.full(len(rows), len(cells))
            take[position[picked]] = picked
            columns[name] = texts.take(pa.array(take))
        columns[ROW] = pa.array(rows, pa.int64())
        columns[ROW_PROBLEM] = self._outside(cells, offset, position, len(rows))
        return pa.table(columns)

    def _outside(self, cells: xlsx.Cells, offset: np.ndarray, position: np.ndarray, count: int) -> pa.Array:
        outside = np.flatnonzero((offset < 0) | (offset >= len(self.names)))
        if not len(outside):
            return pa.nulls(count, pa.string())
        found: dict[int, tuple[list[tuple[int, str]], list[tuple[int, str]]]] = {}
        for index, text in zip(outside, cells.text.take(pa.array(outside)).to_pylist(), strict=True):
            if text.strip():
                left, right = found.setdefault(int(position[index]), ([], []))
                (left if offset[index] < 0 else right).append((int(cells.column[index]), text))
        messages: list[str | None] = [None] * count
        for row, (left, right) in found.items():
            parts = []
            if left:
                named = [
                    _("column %(column)s has “%(value)s”") % {"column": column_letter(c), "value": t[:40]}
                    for c, t in sorted(left)
                ]
                parts.append(
                    _("There are values where the header row has no column name: %(cells)s.")
                    % {"cells": "; ".join(named)}
                )
            if right:
                parts.append(
                    _("This row has more cells than the header row: %(cells)s are beyond the last column.")
                    % {"cells": ", ".join(f"“{t[:40]}”" for _c, t in sorted(right))}
                )
            messages[row] = " ".join(parts)
        return pa.array(messages, pa.string())


def _open_xlsx(path: Path, max_cell_bytes: int) -> RawTable:
    try:
        sheet = xlsx.open_sheet(path)
        if sheet is None:
            raise FileUnreadable(_("The file is empty."))
        held: list[xlsx.Cells] = []

        def read_to(row: int) -> xlsx.Cells:
            """The cells of the sheet's rows up to `row` (chunks are read until one goes past it)."""
            while not held or held[-1].row.max() < row:
                cells = next(sheet.chunks, None)
                if cells is None:
                    break
                held.append(cells)
            joined = xlsx.Cells.join(held)
            return joined.select(joined.row <= row)

        index = find_header_row(read_to(_HEADER_WINDOW).rows(1, _HEADER_WINDOW))
        header_row = index + 1
        near = read_to(header_row + _PEEK_ROWS)  # the header window and the rows peeked at below the header
    except xlsx.XlsxError as exc:
        raise _damaged("XLSX", exc) from None
    # Columns from the first to the last used near the top, as calamine counts them over the whole sheet.
    first_column = int(near.column.min())
    width = int(near.column.max()) + 1 - first_column
    header = near.rows(header_row, header_row)[0][first_column:]
    names, headers = _check_headers(header + [""] * (width - len(header)))
    peeked = [row[first_column:] for row in near.rows(header_row + 1, header_row + _PEEK_ROWS)]
    _blank_columns_with_data(names, peeked, first_column)
    return _XlsxTable(
        path=path,
        format="xlsx",
        encoding=None,
        header_row=header_row,
        headers=headers,
        max_cell_bytes=max_cell_bytes,
        names=names,
        first_column=first_column,
        held=held,
        rest=sheet.chunks,
    )


# --- Parquet ------------------------------------------------------------------------------------------


@dataclass
class _ParquetTable(RawTable):
    def _chunks(self, batch_rows: int) -> Iterator[pa.Table]:
        number = self.header_row + 1
        try:
            parquet = pq.ParquetFile(self.path)
            for batch in parquet.iter_batches(batch_size=batch_rows):
                columns = {
                    name: pc.cast(batch.column(index), pa.string()) for index, name in enumerate(self.names)
                }
                columns[ROW] = pa.array(np.arange(number, number + batch.num_rows, dtype=np.int64))
                number += batch.num_rows
                yield pa.table(columns)
        except (OSError, pa.ArrowException) as exc:
            raise FileUnreadable(
                _("The Parquet file is damaged after row %(row)d (%(detail)s).")
                % {"row": number, "detail": str(exc)[:200]}
            ) from None


def _open_parquet(path: Path, max_cell_bytes: int) -> RawTable:
    try:
        schema = pq.ParquetFile(path).schema_arrow
    except (OSError, pa.ArrowException) as exc:
        raise FileUnreadable(
            _("The Parquet file is damaged or cut off and cannot be opened (%(detail)s). Ask for it again.")
            % {"detail": str(exc)[:200]}
        ) from None
    nested = [f.name for f in schema if pa.types.is_nested(f.type) or pa.types.is_binary(f.type)]
    if nested:
        raise FileUnreadable(
            _("The Parquet columns %(columns)s hold lists, structures or binary data, not table cells.")
            % {"columns": ", ".join(nested)}
        )
    names, headers = _check_headers(schema.names)
    if len(headers) != len(names):
        raise FileUnreadable(_("Some columns of the Parquet file have no name."))
    return _ParquetTable(
        path=path,
        format="parquet",
        encoding=None,
        header_row=1,
        headers=headers,
        max_cell_bytes=max_cell_bytes,
        names=names,
    )


# --- entry point --------------------------------------------------------------------------------------


def open_table(path: Path, *, max_cell_bytes: int = 100_000) -> RawTable:
    """The table in a department file, its format judged from the content, not from the file name."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            sample = file.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise FileUnreadable(_("The file cannot be read: %(detail)s") % {"detail": exc.strerror}) from None
    if not sample.strip(b" \t\r\n\x00"):
        raise FileUnreadable(_("The file is empty."))
    if sample.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, max_cell_bytes)
    if sample.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _open_xls(path, max_cell_bytes)
    if sample.startswith(b"PAR1"):
        return _open_parquet(path, max_cell_bytes)
    return _open_csv(path, sample, size, max_cell_bytes)
