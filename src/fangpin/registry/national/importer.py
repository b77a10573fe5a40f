"""`national_import`: the national system's Excel export (layout.py) loaded into the registry.

All or nothing: every row of both sheets is checked first, and any problem rejects the whole file with the
sheet, row, column and message of each (FileRejected), nothing saved. A clean file is bulk-inserted in one
transaction and audited. It adds households and people the registry does not hold yet: a 户编号 or an ID number
already in the registry is a row error, never an update.
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import python_calamine
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.audit.services import audit_record
from fangpin.core.bulk import analyze, bulk_insert
from fangpin.core.crypto import keyed_hash
from fangpin.core.dates import add_months, parse_month
from fangpin.core.errors import FileRejected, NotFound, RowError, ValidationError
from fangpin.core.pinyin import name_initials
from fangpin.core.spreadsheet import FORMULA_PREFIXES
from fangpin.divisions.codes import Level as DivisionLevel
from fangpin.divisions.codes import code_range
from fangpin.divisions.jurisdiction import Scope
from fangpin.divisions.models import Division
from fangpin.registry.codes import Health, IncomeSource, MonitoringStatus, Relation, Sex
from fangpin.registry.id_numbers import InvalidIdNumber, birth_date_of, is_male, normalize_id_number
from fangpin.registry.models import Category, Household, IncomeRecord, Member
from fangpin.registry.national.export import national_exchange_check
from fangpin.registry.national.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    HOUSEHOLD_SHEET,
    INCOME_FIELDS,
    MEMBER_SHEET,
    NO,
    RISK_FIELDS,
    SHEETS,
    YES,
    Column,
    Kind,
    Level,
    SheetLayout,
    status_of,
)
from fangpin.registry.services import id_number_fields

CENT = Decimal("0.01")
_KEYS = frozenset({"county_name", "township_name", "village_name", "number"})
_MAX_MONEY = Decimal("1e9")  # a year's income component above a billion yuan is a typing error
_LOOKUP_CHUNK = 5_000
# Kinds whose cells repeat a few distinct values: each is parsed once per file.
_FEW_VALUES = {Kind.CODE, Kind.CATEGORY, Kind.YES_NO, Kind.MONTH, Kind.INTEGER}


@dataclass(frozen=True)
class SheetRowError(RowError):
    """A row error that also names the sheet."""

    sheet: str = ""

    def __str__(self) -> str:
        return f"{self.sheet}, row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class ImportSummary:
    county_code: str
    households: int
    members: int
    income_records: int
    ignored_columns: tuple[str, ...] = ()  # headers in the file that the layout does not read


def national_import(*, actor, path: Path, county_code: str | None = None) -> ImportSummary:
    """Load `path` into the registry under the county (`county_code`, else the actor's county, else the one
    named in the file's 县 column). FileRejected with every row error, and nothing saved, if any row is wrong."""
    path = Path(path)
    if not isinstance(actor, str):  # a user loads into their own county, and only the county bureau may
        county_code = county_code or getattr(actor, "division_id", None) or ""
        national_exchange_check(actor, county_code=county_code)
    sheets = _read_workbook(path)
    county = _county(county_code, sheets)
    national_exchange_check(actor, county_code=county.code)
    loaded = _Loader(county, sheets).load()
    if loaded.errors:
        raise FileRejected(sorted(loaded.errors, key=_error_order))
    now = timezone.now()
    with transaction.atomic():
        counts = _insert(loaded, now=now)
        analyze([Household, Member, IncomeRecord])
        audit_record(
            actor=actor,
            action="registry.national_import",
            obj=county,
            data={"file": path.name, "sha256": _sha256(path), **counts},
        )
    return ImportSummary(
        county_code=county.code,
        households=counts["households"],
        members=counts["members"],
        income_records=counts["income_records"],
        ignored_columns=tuple(sorted({h for s in sheets.values() for h in s.ignored})),
    )


# --- reading ----------------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    layout: SheetLayout
    positions: dict[str, int]  # layout field → column index in the file
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cells)
    ignored: list[str]
    errors: list[SheetRowError]
    household_cells: Callable[[Sequence[Any]], tuple] | None = None


def _error(sheet: SheetLayout, row: int, column: str, code: str, message: str) -> SheetRowError:
    return SheetRowError(row=row, column=column, code=code, message=message, sheet=sheet.name)


def _error_order(error: RowError) -> tuple:
    sheet = getattr(error, "sheet", "")
    index = next((i for i, s in enumerate(SHEETS) if s.name == sheet), len(SHEETS))
    return index, error.row


def _read_workbook(path: Path) -> dict[str, _Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise ValidationError(
            _("The file cannot be read as an Excel workbook (%(detail)s).") % {"detail": exc}, field="file"
        ) from None
    missing = [s.name for s in SHEETS if s.name not in workbook.sheet_names]
    if missing:
        raise ValidationError(
            _("The workbook has no sheet named %(names)s; it is not a national monitoring export.")
            % {"names": "、".join(missing)},
            field="file",
        )
    return {s.name: _read_sheet(workbook.get_sheet_by_name(s.name), s) for s in SHEETS}


def _read_sheet(sheet: Any, layout: SheetLayout) -> _Sheet:
    rows = sheet.to_python(skip_empty_area=False)
    header = (
        ["" if _is_blank(v) else str(v).strip() for v in rows[HEADER_ROW - 1]]
        if len(rows) >= HEADER_ROW
        else []
    )
    found = {name: index for index, name in enumerate(header) if name}
    known = {c.header for c in layout.columns}
    errors = [
        _error(
            layout,
            HEADER_ROW,
            c.header,
            "missing_column",
            _("The column %(header)s is missing from the header row (row %(row)d).")
            % {"header": c.header, "row": HEADER_ROW},
        )
        for c in layout.columns
        if not c.is_derived and c.header not in found
    ]
    data = [
        (number, cells)
        for number, cells in enumerate(rows[HEADER_ROW:], start=FIRST_DATA_ROW)
        if not all(_is_blank(v) for v in cells)
    ]
    return _Sheet(
        layout=layout,
        positions={
            c.field: found[c.header] for c in layout.columns if c.header in found and not c.is_derived
        },
        rows=data,
        ignored=[name for name in found if name not in known],
        errors=errors,
    )


def _county(county_code: str | None, sheets: dict[str, _Sheet]) -> Division:
    """The county the file is loaded under: the one asked for, or the one the file's 县 column names."""
    counties = Division.objects.filter(level=DivisionLevel.COUNTY)
    if county_code:
        county = counties.filter(code=county_code).first()
    else:
        names = {
            str(cells[sheet.positions["county_name"]]).strip()
            for sheet in sheets.values()
            if "county_name" in sheet.positions
            for _number, cells in sheet.rows[:1]
        }
        matches = list(counties.filter(name__in=names)) if len(names) == 1 else []
        county = matches[0] if len(matches) == 1 else None
    if county is None:
        raise NotFound(
            _("No single county matches this file: give the county's division code (for example --county).")
        )
    return county


# --- cells ------------------------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A cell as the text a cadre reads: 12.0 → "12"; a number too long for Excel to keep exactly is refused."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) >= 1e15:
                raise _CellError(
                    "number_too_long",
                    _(
                        "Excel keeps this as a number and has lost its last digits; format the column as "
                        "text and enter it again."
                    ),
                )
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _restore(text: str) -> str:
    """Text as it was before fangpin neutralised it against formulas (a leading apostrophe is taken off)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) else text


def _parse(column: Column, raw: Any, categories: dict[str, list[int]]) -> Any:
    """The stored value of one cell, or _CellError saying what is wrong."""
    if column.kind == Kind.MONTH and isinstance(raw, dt.date):
        return _month(raw.replace(day=1) if not isinstance(raw, dt.datetime) else raw.date().replace(day=1))
    text = _restore(_text(raw))
    if not text:
        if column.is_required:
            raise _CellError("required", _("This cell must be filled in."))
        return column.default
    match column.kind:
        case Kind.TEXT:
            if column.max_length and len(text) > column.max_length:
                raise _CellError(
                    "too_long",
                    _("At most %(n)d characters are allowed; this has %(m)d.")
                    % {"n": column.max_length, "m": len(text)},
                )
            return text
        case Kind.ID_NUMBER:
            try:
                return normalize_id_number(text)
            except InvalidIdNumber as e:
                raise _CellError("invalid_id_number", str(e)) from None
        case Kind.CODE:
            value = column.value_of(text)
            if value is None:
                allowed = "、".join(dict.fromkeys(column.codes.values()))
                raise _CellError(
                    "unknown_code",
                    _("%(value)s is not one of: %(allowed)s.") % {"value": text, "allowed": allowed},
                )
            return value
        case Kind.CATEGORY:
            ids = categories.get(text, [])
            if len(ids) != 1:
                raise _CellError(
                    "unknown_category",
                    _("%(value)s is not a monitoring category of this system (%(known)s).")
                    % {"value": text, "known": "、".join(categories)},
                )
            return ids[0]
        case Kind.YES_NO:
            if text not in (YES, NO):
                raise _CellError("yes_no", _("Write 是 or 否."))
            return text == YES
        case Kind.MONTH:
            try:
                return _month(parse_month(text))
            except ValueError as e:
                raise _CellError("month", str(e)) from None
        case Kind.INTEGER:
            if not text.isdigit():
                raise _CellError("integer", _("%(value)s is not a whole number.") % {"value": text})
            low, high = column.bounds or (0, 10**9)
            if not low <= int(text) <= high:
                raise _CellError(
                    "out_of_range",
                    _("%(value)s is not between %(low)d and %(high)d.")
                    % {"value": text, "low": low, "high": high},
                )
            return int(text)
        case Kind.MONEY:
            try:
                amount = Decimal(text.replace(",", "")).quantize(CENT, rounding=ROUND_HALF_UP)
            except InvalidOperation:
                raise _CellError(
                    "money", _("%(value)s is not an amount in yuan.") % {"value": text}
                ) from None
            if amount < 0:
                raise _CellError("negative", _("An amount cannot be negative."))
            if amount >= _MAX_MONEY:
                raise _CellError("too_large", _("The amount is too large to be a year's income."))
            return amount
    raise AssertionError(column.kind)


def _month(month: dt.date) -> dt.date:
    if month > timezone.localdate():
        raise _CellError("future_month", _("%(month)s is in the future.") % {"month": f"{month:%Y%m}"})
    return month


# --- checking the rows ------------------------------------------------------------------------------------


@dataclass
class _Household:
    sheet_row: int
    village_code: str
    values: dict[str, Any]
    member_row: int | None = None  # the first member row, where the household's monitoring fields were read
    members: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Loaded:
    households: list[_Household]
    errors: list[SheetRowError]


class _Loader:
    """Parses and checks both sheets against the layout, the division tree and the registry."""

    def __init__(self, county: Division, sheets: dict[str, _Sheet]) -> None:
        self.county = county
        self.sheets = sheets
        self.errors: list[SheetRowError] = [e for s in sheets.values() for e in s.errors]
        self.categories: dict[str, list[int]] = defaultdict(list)
        for pk, name in Category.objects.values_list("id", "name_zh"):
            self.categories[name].append(pk)
        self.villages: dict[tuple[str, str], list[str]] = defaultdict(list)
        divisions = Scope(*code_range(county.code)).filter(
            Division.objects.filter(level=DivisionLevel.VILLAGE), field="code"
        )
        for code, name, township in divisions.values_list("code", "name", "parent__name"):
            self.villages[(township, name)].append(code)
        self.townships = {township for township, _village in self.villages}
        self.rejected_numbers: set[str] = set()
        self.parsers: dict[int, Callable[[Any], Any]] = {}  # by id(column): a Column holds a dict

    def load(self) -> _Loaded:
        if self.errors:  # a column is missing: the rows cannot be read against the layout
            return _Loaded([], self.errors)
        households = self._households(self.sheets[HOUSEHOLD_SHEET.name])
        self._members(self.sheets[MEMBER_SHEET.name], households)
        for household in households.values():
            self._check_household(household)
        self._check_registry(households)
        return _Loaded(list(households.values()), self.errors)

    def _fail(self, sheet: SheetLayout, row: int, column: str, code: str, message: str) -> None:
        self.errors.append(_error(sheet, row, column, code, message))

    def _row(
        self, sheet: _Sheet, number: int, cells: Sequence[Any], columns: Sequence[Column] | None = None
    ) -> dict[str, Any] | None:
        """The row's values by field (of `columns`, default all read ones), or None when a cell is wrong (its
        errors recorded). A row with the join keys is placed in its village (values["village_code"])."""
        values: dict[str, Any] = {}
        is_valid = True
        width = len(cells)
        for column in columns if columns is not None else _read_columns(sheet.layout):
            position = sheet.positions[column.field]
            try:
                values[column.field] = self._parser(column)(cells[position] if position < width else None)
            except _CellError as e:
                self._fail(sheet.layout, number, column.header, e.code, e.message)
                is_valid = False
        if is_valid and "village_name" in values:
            is_valid = self._place(sheet.layout, number, values)
        return values if is_valid else None

    def _parser(self, column: Column) -> Callable[[Any], Any]:
        """`_parse` for `column`; for kinds with few distinct values (most cells of a large file) each distinct
        cell is parsed once."""
        parser = self.parsers.get(id(column))
        if parser is not None:
            return parser
        if column.kind not in _FEW_VALUES and column.field not in _KEYS - {"number"}:
            parser = partial(_parse, column, categories=self.categories)
        else:
            made: dict[Any, Any] = {}

            def parser(raw: Any) -> Any:
                result = made.get(raw, made)
                if result is made:
                    try:
                        result = made[raw] = _parse(column, raw, self.categories)
                    except _CellError as e:
                        result = made[raw] = (e.code, e.message)
                if type(result) is tuple:
                    raise _CellError(*result)
                return result

        self.parsers[id(column)] = parser
        return parser

    def _place(self, sheet: SheetLayout, number: int, values: dict[str, Any]) -> bool:
        """Resolve 县/乡/村 to a village of the county (values["village_code"])."""
        if values["county_name"] != self.county.name:
            self._fail(
                sheet,
                number,
                "县",
                "other_county",
                _("This file is being loaded into %(county)s, not %(name)s.")
                % {"county": self.county.name, "name": values["county_name"]},
            )
            return False
        township, village = values["township_name"], values["village_name"]
        if township not in self.townships:
            self._fail(
                sheet,
                number,
                "乡",
                "unknown_township",
                _("%(county)s has no township named %(name)s.")
                % {"county": self.county.name, "name": township},
            )
            return False
        codes = self.villages.get((township, village), [])
        if len(codes) != 1:
            message = (
                _("%(township)s has no village named %(name)s: load the division tree first.")
                if not codes
                else _("%(township)s has several villages named %(name)s.")
            )
            self._fail(
                sheet, number, "村", "unknown_village", message % {"township": township, "name": village}
            )
            return False
        values["village_code"] = codes[0]
        return True

    def _households(self, sheet: _Sheet) -> dict[str, _Household]:
        households: dict[str, _Household] = {}
        for number, cells in sheet.rows:
            values = self._row(sheet, number, cells)
            if values is None:
                # Its members are not reported again as "no such household": one problem, one message.
                position = sheet.positions["number"]
                self.rejected_numbers.add(str(cells[position]).strip() if position < len(cells) else "")
                continue
            key = values["number"]
            if key in households:
                self._fail(
                    sheet.layout,
                    number,
                    "户编号",
                    "duplicate_household",
                    _("户编号 %(number)s is also on row %(row)d.")
                    % {"number": key, "row": households[key].sheet_row},
                )
                continue
            households[key] = _Household(
                sheet_row=number, village_code=values.pop("village_code"), values=values
            )
        return households

    def _members(self, sheet: _Sheet, households: dict[str, _Household]) -> None:
        """Members joined to their households. The household fields on a member row are read from the
        household's first row; later rows must hold the same (compared as written, parsed only if not)."""
        layout = sheet.layout
        columns = _read_columns(layout)
        household_columns = [c for c in columns if c.level == Level.HOUSEHOLD and c.field not in _KEYS]
        own_columns = [c for c in columns if c not in household_columns]
        first_cells: dict[str, Sequence[Any]] = {}
        seen_ids: dict[str, int] = {}
        for number, cells in sheet.rows:
            values = self._row(sheet, number, cells, own_columns)
            if values is None:
                continue
            household = households.get(values["number"])
            if household is None:
                if values["number"] not in self.rejected_numbers:
                    self._fail(
                        layout,
                        number,
                        "户编号",
                        "no_household",
                        _("There is no household %(number)s in %(sheet)s.")
                        % {"number": values["number"], "sheet": HOUSEHOLD_SHEET.name},
                    )
                continue
            if household.village_code != values["village_code"]:
                self._fail(
                    layout,
                    number,
                    "村",
                    "other_village",
                    _("Household %(number)s is in another village in %(sheet)s (row %(row)d).")
                    % {"number": values["number"], "sheet": HOUSEHOLD_SHEET.name, "row": household.sheet_row},
                )
                continue
            if household.member_row is None:
                household.member_row = number
                first_cells[values["number"]] = cells
                household.values.update(self._row(sheet, number, cells, household_columns) or {})
            else:
                self._same_household(sheet, number, cells, first_cells[values["number"]], household)
            member = {c.field: values[c.field] for c in own_columns if c.level == Level.MEMBER}
            id_number = member["id_number"]
            if id_number in seen_ids:
                self._fail(
                    layout,
                    number,
                    "证件号码",
                    "duplicate_id_number",
                    _("The same ID number is on row %(row)d.") % {"row": seen_ids[id_number]},
                )
                continue
            seen_ids[id_number] = number
            member["row"] = number
            self._check_member(layout, number, member, household)
            household.members.append(member)

    def _household_cells(self, sheet: _Sheet, cells: Sequence[Any]) -> tuple:
        """The cells of a member row that hold household fields (without the join keys)."""
        if sheet.household_cells is None:
            positions = [
                sheet.positions[c.field]
                for c in _read_columns(sheet.layout)
                if c.level == Level.HOUSEHOLD and c.field not in _KEYS
            ]
            sheet.household_cells = itemgetter(*positions, positions[0])  # always a tuple, even for one
        return sheet.household_cells(cells)

    def _same_household(
        self, sheet: _Sheet, number: int, cells: Sequence[Any], first: Sequence[Any], household: _Household
    ) -> None:
        try:
            if self._household_cells(sheet, cells) == self._household_cells(sheet, first):
                return  # the usual case, checked at C speed
        except IndexError:  # a short row: compare cell by cell
            pass
        for column in _read_columns(sheet.layout):
            if column.level != Level.HOUSEHOLD or column.field in _KEYS:
                continue
            raw = _cell(sheet, cells, column)
            if raw == _cell(sheet, first, column):
                continue
            try:
                value = self._parser(column)(raw)
            except _CellError as e:
                self._fail(sheet.layout, number, column.header, e.code, e.message)
                continue
            if value != household.values.get(column.field, value):
                self._fail(
                    sheet.layout,
                    number,
                    column.header,
                    "household_differs",
                    _("This household field differs from row %(row)d of the same household.")
                    % {"row": household.member_row},
                )

    def _check_member(self, layout: SheetLayout, number: int, member: dict, household: _Household) -> None:
        if member["disability_grade"] is not None and member["health"] != Health.DISABLED:
            self._fail(
                layout,
                number,
                "残疾等级",
                "disability_grade",
                _("A disability grade is only recorded for a disabled member."),
            )
        is_head = member["relation"] == Relation.HEAD and member["is_resident"]
        if is_head and any(m["relation"] == Relation.HEAD and m["is_resident"] for m in household.members):
            self._fail(layout, number, "与户主关系", "second_head", _("This household already has a head."))

    def _check_household(self, household: _Household) -> None:
        """Fields that must agree with each other: status, dates, elimination, income month, exit year."""
        v = household.values
        for name in (
            "category",
            "identified_on",
            "eliminated_on",
            "elimination_method",
            "is_risk_eliminated",
        ):
            v.setdefault(name, MEMBER_SHEET.column(name).default)  # type: ignore[union-attr]
        for name in (*RISK_FIELDS, "income_month", *INCOME_FIELDS):
            v.setdefault(name, None)
        on_members = household.member_row or household.sheet_row
        member_sheet = MEMBER_SHEET if household.member_row else HOUSEHOLD_SHEET

        def fail(field_name: str, code: str, message: str) -> None:
            if MEMBER_SHEET.column(field_name):
                self._fail(member_sheet, on_members, MEMBER_SHEET.column(field_name).header, code, message)  # type: ignore[union-attr]
            else:
                header = HOUSEHOLD_SHEET.column(field_name).header  # type: ignore[union-attr]
                self._fail(HOUSEHOLD_SHEET, household.sheet_row, header, code, message)

        status = status_of(v["is_risk_eliminated"], v["household_state"])
        if status is None:
            fail(
                "household_state",
                "status",
                _("A household that left the county has 风险是否已消除 filled in."),
            )
            return
        v["status"] = status
        if status in (MonitoringStatus.MONITORED, MonitoringStatus.ELIMINATED):
            for name in ("category", "identified_on"):
                if v[name] is None:
                    fail(name, "monitoring_incomplete", _("A monitored household needs this field."))
        is_eliminated = status == MonitoringStatus.ELIMINATED
        for name in ("eliminated_on", "elimination_method"):
            if is_eliminated and not v[name]:
                fail(
                    name,
                    "elimination_incomplete",
                    _("A household whose risk is eliminated needs this field."),
                )
            if not is_eliminated and v[name]:
                fail(name, "not_eliminated", _("Only a household whose risk is eliminated has this field."))
        if v["eliminated_on"] and v["identified_on"] and v["eliminated_on"] < v["identified_on"]:
            fail(
                "eliminated_on",
                "elimination_before_identification",
                _("The risk cannot be eliminated before the household was identified."),
            )
        risks: list[str] = []
        for name in RISK_FIELDS:
            if v[name] in risks:
                fail(name, "duplicate_risk", _("The same risk is given twice."))
            elif v[name]:
                risks.append(v[name])
        v["risk_codes"] = risks
        has_income = any(v[name] is not None for name in INCOME_FIELDS)
        if has_income and v["income_month"] is None:
            fail("income_month", "income_month", _("Give the last month the income figures cover."))
        if v["poverty_exit_year"] is not None and not v["is_formerly_poor"]:
            fail(
                "poverty_exit_year",
                "exit_year",
                _("Only a formerly poor household has a year out of poverty."),
            )

    def _check_registry(self, households: dict[str, _Household]) -> None:
        """Refuse 户编号 and ID numbers the registry already holds (an import adds; it never overwrites)."""
        numbers = list(households)
        for chunk in _chunks(numbers):
            for existing in Household.objects.filter(number__in=chunk).values_list("number", flat=True):
                self._fail(
                    HOUSEHOLD_SHEET,
                    households[existing].sheet_row,
                    "户编号",
                    "household_exists",
                    _("户编号 %(number)s is already in the registry.") % {"number": existing},
                )
        by_hash = {}
        for household in households.values():
            for member in household.members:
                member["id_number_hash"] = keyed_hash(member["id_number"])
                by_hash[member["id_number_hash"]] = member["row"]
        for chunk in _chunks(list(by_hash)):
            for digest in Member.objects.filter(id_number_hash__in=chunk).values_list(
                "id_number_hash", flat=True
            ):
                self._fail(
                    MEMBER_SHEET,
                    by_hash[digest],
                    "证件号码",
                    "person_exists",
                    _("This person is already in the registry."),
                )


def _read_columns(layout: SheetLayout) -> list[Column]:
    return [c for c in layout.columns if not c.is_derived]


def _cell(sheet: _Sheet, cells: Sequence[Any], column: Column) -> Any:
    position = sheet.positions[column.field]
    return cells[position] if position < len(cells) else None


def _chunks(items: list, size: int = _LOOKUP_CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- writing ----------------------------------------------------------------------------------------------


def spread_over_year(annual: Decimal) -> list[Decimal]:
    """An annual amount as 12 monthly ones that add up to it exactly: equal fen, the remainder on the last."""
    base = (annual / 12).quantize(CENT, rounding=ROUND_DOWN)
    return [base] * 11 + [annual - 11 * base]


def _insert(loaded: _Loaded, *, now: dt.datetime) -> dict[str, int]:
    households = loaded.households
    n = len(households)
    stamp = pa.array([now] * n, pa.timestamp("us", tz="UTC"))

    def column(name: str, type_: pa.DataType) -> pa.Array:
        return pa.array([h.values[name] for h in households], type_)

    bulk_insert(
        Household,
        pa.table(
            {
                "number": column("number", pa.string()),
                "village_id": pa.array([h.village_code for h in households], pa.string()),
                "address": column("address", pa.string()),
                "status": column("status", pa.string()),
                "category_id": column("category", pa.int64()),
                "risk_codes": pa.array([json.dumps(h.values["risk_codes"]) for h in households], pa.string()),
                "identified_on": column("identified_on", pa.date32()),
                "eliminated_on": column("eliminated_on", pa.date32()),
                "elimination_method": column("elimination_method", pa.string()),
                "is_formerly_poor": column("is_formerly_poor", pa.bool_()),
                "poverty_exit_year": column("poverty_exit_year", pa.int16()),
                "housing_grade": column("housing_grade", pa.string()),
                "has_safe_water": column("has_safe_water", pa.bool_()),
                "created_at": stamp,
                "updated_at": stamp,
            }
        ),
    )
    ids: dict[str, int] = {}
    for chunk in _chunks([h.values["number"] for h in households]):
        ids.update(Household.objects.filter(number__in=chunk).values_list("number", "id"))
    members = _member_table(households, ids, now)
    bulk_insert(Member, members)
    incomes = _income_table(households, ids, now)
    bulk_insert(IncomeRecord, incomes)
    return {"households": n, "members": members.num_rows, "income_records": incomes.num_rows}


def _member_table(households: list[_Household], ids: dict[str, int], now: dt.datetime) -> pa.Table:
    rows = [(ids[h.values["number"]], m) for h in households for m in h.members]
    initials: dict[str, str] = {}
    stored = [id_number_fields(m["id_number"]) for _id, m in rows]

    def column(name: str, type_: pa.DataType) -> pa.Array:
        return pa.array([m[name] for _id, m in rows], type_)

    return pa.table(
        {
            "household_id": pa.array([pk for pk, _m in rows], pa.int64()),
            "name": column("name", pa.string()),
            "name_initials": pa.array(
                [
                    initials.get(m["name"]) or initials.setdefault(m["name"], name_initials(m["name"]))
                    for _id, m in rows
                ],
                pa.string(),
            ),
            "id_number_encrypted": pa.array([s["id_number_encrypted"] for s in stored], pa.binary()),
            "id_number_hash": column("id_number_hash", pa.string()),
            "id_number_masked": pa.array([s["id_number_masked"] for s in stored], pa.string()),
            "relation": column("relation", pa.string()),
            "sex": pa.array(
                [Sex.MALE if is_male(m["id_number"]) else Sex.FEMALE for _id, m in rows], pa.string()
            ),
            "birth_date": pa.array([birth_date_of(m["id_number"]) for _id, m in rows], pa.date32()),
            "education": column("education", pa.string()),
            "school_status": column("school_status", pa.string()),
            "health": column("health", pa.string()),
            "disability_grade": column("disability_grade", pa.int16()),
            "labour_skill": column("labour_skill", pa.string()),
            "medical_insurance": column("medical_insurance", pa.string()),
            "months_employed": column("months_employed", pa.int16()),
            "is_resident": column("is_resident", pa.bool_()),
            "created_at": pa.array([now] * len(rows), pa.timestamp("us", tz="UTC")),
            "updated_at": pa.array([now] * len(rows), pa.timestamp("us", tz="UTC")),
        }
    )


def _income_table(households: list[_Household], ids: dict[str, int], now: dt.datetime) -> pa.Table:
    """12 `survey` records a household, spreading each annual figure over the 12 months it covers."""
    household_ids: list[int] = []
    periods: list[dt.date] = []
    amounts: dict[str, list[Decimal]] = {name: [] for name in INCOME_FIELDS}
    for h in households:
        last = h.values["income_month"]
        if last is None:
            continue
        household_ids += [ids[h.values["number"]]] * 12
        periods += [add_months(last, i - 11) for i in range(12)]
        for name in INCOME_FIELDS:
            amounts[name] += spread_over_year(h.values[name] or Decimal(0))
    n = len(periods)
    return pa.table(
        {
            "household_id": pa.array(household_ids, pa.int64()),
            "period": pa.array(periods, pa.date32()),
            "source": pa.array([IncomeSource.SURVEY.value] * n, pa.string()),
            **{name: pa.array(values, pa.decimal128(14, 2)) for name, values in amounts.items()},
            "recorded_at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
        }
    )


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
