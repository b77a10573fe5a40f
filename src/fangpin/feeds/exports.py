"""The invalid rows of a batch as the officer needs them: listed on the batch page, and as an Excel file with
the file's own headers that, once corrected, is uploaded again (its extra problems column is then ignored).
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from fangpin.core.spreadsheet import neutralise_formula
from fangpin.feeds.models import FeedBatch, FeedRow, HeaderMapping, RowStatus
from fangpin.feeds.schema import ColumnType, FeedSchemaDef, load_schema
from fangpin.feeds.selectors import batch_rows
from fangpin.feeds.validate import map_headers
from fangpin.registry.id_numbers import mask_id_number

# Fixed and in both languages, so that a file exported in one language and corrected by a colleague who reads
# the other still shows it; on re-import it is an unknown header, which never blocks an import.
PROBLEMS_HEADER = "错误说明 / Problems"

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F3F5F7")
_PROBLEM_FONT = Font(color="B3261E")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Problem:
    """One problem of one row, as the officer reads it."""

    row_number: int  # the row in the file that was sent
    column: str  # the label of the schema column (several, for a repeated key); "" for the whole row
    header: str  # the header of that column in the file; "" when there is none
    value: str  # the cell as sent; "" when the problem is not about one cell
    message: str


def batch_problems(batch: FeedBatch, rows: Sequence[FeedRow]) -> list[Problem]:
    """The problems of `rows` (invalid rows of `batch`) with the label, header and value of their column."""
    schema = load_schema(batch.schema.definition)
    headers = _headers_by_column(batch, schema, _raw_headers(rows))
    names = {c.name: c for c in schema.columns}
    problems = []
    for row in rows:
        columns = [name for name in row.column.split(",") if name]
        header = headers.get(row.column, "") if len(columns) == 1 else ""
        value, message = (_text(row.sent.get(header)) if header else ""), row.message
        if len(columns) == 1 and columns[0] in names and names[columns[0]].type is ColumnType.ID_NUMBER:
            value, message = _masked(value, message)
        problems.append(
            Problem(
                row_number=row.row_number,
                column=pgettext("list separator", ", ").join(
                    names[n].label() if n in names else n for n in columns
                ),
                header=header,
                value=value,
                message=message,
            )
        )
    return problems


# Digits from which a cell under an ID-number column identifies a person: a mistyped or shortened number still
# does, Excel's 4.50123E+17 (the region code and a digit) does not, and is left as sent for the officer to see.
_IDENTIFYING_DIGITS = 12


def _masked(value: str, message: str) -> tuple[str, str]:
    """A wrong ID number is still someone's: masked on the page like every ID number, in its message too (the
    Excel of invalid rows, an audited read, carries it whole for the officer to correct)."""
    if sum(c.isdigit() for c in value) < _IDENTIFYING_DIGITS:
        return value, message
    masked = mask_id_number(value.strip())
    return masked, message.replace(value, masked)


def invalid_rows_workbook(batch: FeedBatch) -> bytes:
    """The invalid rows of `batch` as an .xlsx: the headers as sent, one row per invalid row with its cells as
    sent, and a last column listing every problem of the row. Every cell is neutralised against formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Invalid rows")[:31])
    sheet.freeze_panes = "A2"
    rows = batch_rows(batch=batch, status=RowStatus.INVALID).iterator(chunk_size=2000)
    grouped = groupby(rows, key=lambda r: r.row_number)
    first = next(grouped, None)
    if first is None:
        sheet.append([_cell(sheet, PROBLEMS_HEADER, header=True)])
        return _bytes(workbook)
    first_number, first_rows = first[0], list(first[1])
    # Every row of a file carries every header of the file (see validate.py), so the first row has them all.
    # The problems column of an earlier export is replaced, never repeated (a repeated header is refused).
    headers = [h for h in first_rows[0].sent_headers if h != PROBLEMS_HEADER]
    schema = load_schema(batch.schema.definition)
    by_column = _headers_by_column(batch, schema, headers)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(28, 2 * len(header) + 4))
    sheet.column_dimensions[get_column_letter(len(headers) + 1)].width = 60
    sheet.append(
        [*(_cell(sheet, h, header=True) for h in headers), _cell(sheet, PROBLEMS_HEADER, header=True)]
    )
    for number, problems in [(first_number, first_rows), *((n, list(g)) for n, g in grouped)]:
        raw = problems[0].sent
        notes = [_row_note(number), *(_problem_text(p, schema, by_column) for p in problems)]
        sheet.append(
            [
                *(_cell(sheet, _text(raw.get(h))) for h in headers),
                _cell(sheet, "\n".join(notes), problem=True),
            ]
        )
    return _bytes(workbook)


def _row_note(number: int) -> str:
    return _("Row %(row)s of the file as sent:") % {"row": number}


def _problem_text(row: FeedRow, schema: FeedSchemaDef, by_column: dict[str, str]) -> str:
    """ "身份证号码: the check digit should be …", named by the file's own header where there is one."""
    if (
        not row.column or "," in row.column
    ):  # the whole row, or a repeated key (the message names the columns)
        return row.message
    column = (
        schema.column(row.column).label() if row.column in {c.name for c in schema.columns} else row.column
    )
    return _("%(column)s: %(message)s") % {
        "column": by_column.get(row.column) or column,
        "message": row.message,
    }


def _headers_by_column(batch: FeedBatch, schema: FeedSchemaDef, headers: Sequence[str]) -> dict[str, str]:
    """Schema column → the file's header for it, mapped as the import mapped it (with the department's
    remembered choices), since a FeedRow keeps the column but not the header."""
    remembered = dict(
        HeaderMapping.objects.filter(department=batch.department, schema_id=batch.schema_id).values_list(
            "file_header", "column"
        )
    )
    mapping = map_headers(list(headers), schema, remembered)
    return {column: header for header, column in mapping.columns.items()}


def _raw_headers(rows: Iterable[FeedRow]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row.sent_headers))
    return list(seen)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _cell(sheet, text: str, *, header: bool = False, problem: bool = False) -> WriteOnlyCell:
    # Control characters that a CSV cell may hold are not allowed in an .xlsx file at all.
    cell = WriteOnlyCell(sheet, value=neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", text)))
    if header:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    elif problem:
        cell.font, cell.alignment = _PROBLEM_FONT, _WRAP
    return cell


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
