"""Import of visit submissions: the CSV that ODK Central or KoboToolbox export for the XLSForm of `xlsform.py`.

Good rows become visits through `visit_record`; bad rows are reported by row and column; a submission already
imported (same meta/instanceID) is skipped, so importing the same export twice changes nothing.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.assistance.codes import DeliveryStatus, VisitSource
from fangpin.assistance.models import Visit
from fangpin.assistance.services import (
    IncomeUpdate,
    MeasureReport,
    VisitData,
    can_work_on_plans,
    visit_record,
)
from fangpin.assistance.xlsform import AMOUNTS
from fangpin.audit.services import audit_record
from fangpin.core.errors import PermissionDenied, RowError, ValidationError
from fangpin.registry.income import IncomeComponents
from fangpin.registry.selectors import households_visible_to

_GPS_PARTS = {"latitude": "gps_latitude", "longitude": "gps_longitude"}
# Columns the tools add around the form's own fields.
_ALIASES = {
    "instanceid": "instance_id",
    "key": "key",  # ODK Central: the same uuid as meta-instanceID
    "_uuid": "uuid",  # KoboToolbox: the instanceID without its "uuid:" prefix
    "_submitted_by": "submitted_by",
    "submittername": "submitted_by",
    "_gps_latitude": "gps_latitude",
    "_gps_longitude": "gps_longitude",
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
_COMPONENTS = [name for name, *_labels in AMOUNTS][:5]
_EXPENSES = [name for name, *_labels in AMOUNTS][5:]


def _key(header: str) -> str:
    """A column's field name, whatever group path the tool wrote: `visit/wage_income` (Kobo),
    `visit-wage_income` (Central), `visit/gps-Latitude` (Central's split geopoint), `_submission_time`."""
    if header.lower() in _ALIASES:
        return _ALIASES[header.lower()]
    parts = [p for p in re.split(r"[/\-]", header.strip()) if p]
    if not parts:
        return ""
    last = parts[-1]
    if last.lower() in _GPS_PARTS and len(parts) > 1:
        return _GPS_PARTS[last.lower()]
    return _ALIASES.get(last.lower(), last)


@dataclass
class VisitImportResult:
    imported: int = 0
    skipped: int = 0  # submissions imported before
    errors: list[RowError] = field(default_factory=list)


class _Row:
    """One submission, read by field name, collecting its errors with the column as the file names it."""

    def __init__(self, number: int, values: dict[str, str], headers: Mapping[str, str]) -> None:
        self.number, self.values, self.headers = number, values, headers
        self.errors: list[RowError] = []

    def text(self, key: str) -> str:
        return (self.values.get(key) or "").strip()

    def error(self, key: str, code: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers.get(key, key), code, message))

    def date(self, key: str) -> dt.date | None:
        text = self.text(key)[:10]
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.error(
            key, "bad_date", _("%(text)s is not a date; write it as 2026-03-05.") % {"text": self.text(key)}
        )
        return None

    def amount(self, key: str) -> Decimal:
        text = self.text(key).replace(",", "")
        if not text:
            return Decimal(0)
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(key, "bad_amount", _("%(text)s is not an amount in yuan.") % {"text": text})
            return Decimal(0)
        if value < 0 or not value.is_finite():
            self.error(key, "negative_amount", _("An amount cannot be negative."))
            return Decimal(0)
        return value.quantize(Decimal("0.01"))

    def ids(self, key: str) -> list[int]:
        text = self.text(key)
        if not re.fullmatch(r"[\d\s,，]*", text):
            self.error(key, "bad_measures", _("Write measure numbers separated by spaces."))
            return []
        return [int(n) for n in re.split(r"[\s,，]+", text) if n]

    def coordinate(self, key: str) -> Decimal | None:
        try:
            return Decimal(self.text(key)).quantize(Decimal("0.000001"))
        except InvalidOperation:
            self.error(key, "bad_gps", _("The location is not a number."))
            return None


def _read(content: bytes) -> tuple[list[str], list[list[str]]]:
    text = content.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    # KoboToolbox exports with semicolons unless told otherwise; ODK Central with commas.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ValidationError(_("The file is empty."), field="file")
    return rows[0], rows[1:]


def _gps(row: _Row) -> tuple[Decimal | None, Decimal | None]:
    if row.text("gps_latitude") and row.text("gps_longitude"):
        return row.coordinate("gps_latitude"), row.coordinate("gps_longitude")
    parts = row.text("gps").split()
    if len(parts) >= 2:
        values = {"gps_latitude": parts[0], "gps_longitude": parts[1]}
        coords = _Row(row.number, values, {k: row.headers.get("gps", "gps") for k in values})
        lat, lon = coords.coordinate("gps_latitude"), coords.coordinate("gps_longitude")
        row.errors += coords.errors
        return lat, lon
    return None, None


def _visit_data(row: _Row) -> VisitData | None:
    visited_on = row.date("visit_date")
    amounts = {name: row.amount(name) for name in [*_COMPONENTS, *_EXPENSES]}
    wants_income = row.text("income_update").lower() in ("yes", "是", "1", "true") or (
        "income_update" not in row.values and any(row.text(n) for n in amounts)
    )
    delivered, failed = row.ids("delivered_measures"), row.ids("failed_measures")
    latitude, longitude = _gps(row)
    if row.errors or visited_on is None:
        return None
    note = row.text("failure_note")
    reports = [MeasureReport(i, DeliveryStatus.DELIVERED) for i in delivered]
    reports += [MeasureReport(i, DeliveryStatus.FAILED, note) for i in failed]
    income = None
    if wants_income:
        income = IncomeUpdate(
            components=IncomeComponents(**{n: amounts[n] for n in _COMPONENTS}),
            **{n: amounts[n] for n in _EXPENSES},
        )
    return VisitData(
        visited_on=visited_on,
        findings=row.text("findings"),
        income=income,
        measures=tuple(reports),
        latitude=latitude,
        longitude=longitude,
        source=VisitSource.XLSFORM,
        instance_id=row.text("instance_id"),
        submitted_by=row.text("submitted_by")[:80],
    )


_FIELD_COLUMNS = {
    "visited_on": "visit_date",
    "measures": "delivered_measures",
    "latitude": "gps",
    "longitude": "gps",
}


def visits_import(*, actor, content: bytes, file_name: str) -> VisitImportResult:
    """Import the submissions of an ODK Central / KoboToolbox CSV export as visits; each good row commits on
    its own, bad rows come back as RowErrors, and a submission already imported is skipped."""
    if not can_work_on_plans(Role(actor.role)):
        raise PermissionDenied(_("Your role cannot change assistance plans or record visits."))
    headers, rows = _read(content)
    keys = [_key(h) for h in headers]
    header_of = {k: h for k, h in zip(keys, headers, strict=True) if k}
    for required in ("household_number", "visit_date"):
        if required not in header_of:
            raise ValidationError(
                _("The file has no %(column)s column: is it the export of the fangpin visit form?")
                % {"column": required},
                field="file",
            )
    if "instance_id" not in header_of and "key" not in header_of:
        raise ValidationError(_("The file has no meta/instanceID column."), field="file")
    parsed = [
        _Row(n, dict(zip(keys, values, strict=False)), header_of) for n, values in enumerate(rows, start=2)
    ]
    parsed = [r for r in parsed if any(v.strip() for v in r.values.values())]
    for row in parsed:
        if not row.text("instance_id"):
            row.values["instance_id"] = row.text("key") or (
                f"uuid:{row.text('uuid')}" if row.text("uuid") else ""
            )
    numbers = {r.text("household_number") for r in parsed}
    households = dict(households_visible_to(actor).filter(number__in=numbers).values_list("number", "pk"))
    seen = set(
        Visit.objects.filter(
            instance_id__in=[r.text("instance_id") for r in parsed if r.text("instance_id")]
        ).values_list("instance_id", flat=True)
    )
    result = VisitImportResult()
    for row in parsed:
        instance_id = row.text("instance_id")
        if instance_id in seen:
            result.skipped += 1
            continue
        if not instance_id:
            row.error("instance_id", "no_instance_id", _("The submission has no instanceID."))
        household_id = households.get(row.text("household_number"))
        if household_id is None:
            # "Not in your area" and "no such household" are the same answer, as everywhere.
            row.error(
                "household_number",
                "unknown_household",
                _("Unknown household number %(number)s.") % {"number": row.text("household_number")},
            )
        data = _visit_data(row)
        if row.errors or data is None or household_id is None:
            result.errors += row.errors
            continue
        try:
            visit_record(actor=actor, household_id=household_id, data=data)
        except ValidationError as e:
            column = _FIELD_COLUMNS.get(e.field or "", e.field or "")
            row.error(column if column in header_of else "household_number", "refused", e.message)
            result.errors += row.errors
            continue
        seen.add(instance_id)
        result.imported += 1
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="assistance.visits.import",
            data={
                "file": file_name,
                "imported": result.imported,
                "skipped": result.skipped,
                "errors": len(result.errors),
            },
        )
    return result
