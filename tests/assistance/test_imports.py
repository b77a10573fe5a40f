"""The visit form as an XLSForm that pyxform accepts, and the import of its submissions as visits."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pyxform.xls2xform import convert

from fangpin.accounts.roles import Role
from fangpin.assistance.codes import DeliveryStatus, VisitSource
from fangpin.assistance.imports import visits_import
from fangpin.assistance.models import Visit
from fangpin.assistance.services import MeasureData, measure_add
from fangpin.assistance.xlsform import AMOUNTS, FORM_ID, visit_xlsform
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.registry.models import IncomeRecord

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_the_visit_form_is_an_xlsform_that_pyxform_converts_without_warnings():
    warnings: list[str] = []
    result = convert(io.BytesIO(visit_xlsform()), warnings=warnings, file_type=".xlsx")
    assert warnings == []
    xform = result.xform
    assert f'id="{FORM_ID}"' in xform
    for name in [
        "household_number",
        "visit_date",
        "findings",
        "delivered_measures",
        "gps",
        *(a[0] for a in AMOUNTS),
    ]:
        assert f'nodeset="/data/visit/{name}"' in xform
    assert 'nodeset="/data/meta/instanceID"' in xform
    assert "回访日期" in xform and "Visit date" in xform  # both languages


def test_the_xlsform_command_writes_the_form(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "visit.xlsx"
    call_command("xlsform", "visit", "--out", str(out), stdout=io.StringIO())
    assert convert(str(out)).xform.startswith("<?xml")


KOBO_HEADER = [
    "start", "end", "visit/household_number", "visit/visit_date", "visit/findings", "visit/income_update",
    *(f"visit/{name}" for name, *_ in AMOUNTS),
    "visit/delivered_measures", "visit/failed_measures", "visit/failure_note",
    "visit/gps", "_visit/gps_latitude", "_visit/gps_longitude", "_visit/gps_altitude", "_visit/gps_precision",
    "meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
]  # fmt: skip


def _kobo_row(
    number: str, *, instance: str, date: str, wage: str = "2400", delivered: str = "", **changes
) -> list[str]:
    values = {
        "visit/household_number": number,
        "visit/visit_date": date,
        "visit/findings": "务工收入稳定",
        "visit/income_update": "yes",
        "visit/wage_income": wage,
        "visit/production_cost": "100.5",
        "visit/delivered_measures": delivered,
        "visit/gps": "23.1 108.3 120 5",
        "meta/instanceID": f"uuid:{instance}",
        "_uuid": instance,
        "_submission_time": "2025-06-01T08:30:00",
        "_submitted_by": "cadre01",
        **changes,
    }
    return [values.get(h, "") for h in KOBO_HEADER]


def _csv(header, rows, delimiter=";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_kobo_submissions_become_visits_with_income_and_deliveries(home, plan, users):
    cadre = users[Role.VILLAGE]
    measure = measure_add(
        actor=cadre,
        household_id=home.pk,
        data=MeasureData(
            risk_code="07", measure_type="employment", provider="人社局", start_date=dt.date(2025, 3, 1)
        ),
    )
    content = _csv(
        KOBO_HEADER,
        [_kobo_row(home.number, instance="a1", date=TODAY.isoformat(), delivered=str(measure.pk))],
    )
    result = visits_import(actor=cadre, content=content, file_name="kobo.csv")
    assert (result.imported, result.skipped, result.errors) == (1, 0, [])
    visit = Visit.objects.get()
    assert (visit.household, visit.visitor, visit.source) == (home, cadre, VisitSource.XLSFORM)
    assert (visit.instance_id, visit.submitted_by) == ("uuid:a1", "cadre01")
    assert (visit.latitude, visit.longitude) == (Decimal("23.100000"), Decimal("108.300000"))
    income = IncomeRecord.objects.get()
    assert (income.wage_income, income.production_cost) == (Decimal("2400.00"), Decimal("100.50"))
    measure.refresh_from_db()
    assert measure.delivery_status == DeliveryStatus.DELIVERED
    assert AuditEvent.objects.filter(action="assistance.visits.import").get().data["imported"] == 1


def test_importing_the_same_export_again_changes_nothing(home, users):
    content = _csv(KOBO_HEADER, [_kobo_row(home.number, instance="a1", date=TODAY.isoformat())])
    visits_import(actor=users[Role.VILLAGE], content=content, file_name="kobo.csv")
    again = visits_import(actor=users[Role.VILLAGE], content=content, file_name="kobo.csv")
    assert (again.imported, again.skipped, again.errors) == (0, 1, [])
    assert Visit.objects.count() == 1
    assert IncomeRecord.objects.count() == 1


def test_bad_rows_are_reported_by_row_and_column_and_good_rows_still_import(home, away, users):
    today = TODAY.isoformat()
    rows = [
        _kobo_row(home.number, instance="good", date=today),
        _kobo_row("H-NOBODY", instance="r3", date=today),
        _kobo_row(home.number, instance="r4", date="05/06/2025"),
        _kobo_row(home.number, instance="r5", date=today, wage="-300"),
        _kobo_row(away.number, instance="r6", date=today),  # outside village A1: unknown to this cadre
        _kobo_row(home.number, instance="r7", date=today, delivered="999999"),
        _kobo_row(home.number, instance="r8", date=(TODAY + dt.timedelta(days=3)).isoformat()),
    ]
    result = visits_import(actor=users[Role.VILLAGE], content=_csv(KOBO_HEADER, rows), file_name="kobo.csv")
    assert result.imported == 1
    found = [(e.row, e.column, e.code) for e in result.errors]
    assert found == [
        (3, "visit/household_number", "unknown_household"),
        (4, "visit/visit_date", "bad_date"),
        (5, "visit/wage_income", "negative_amount"),
        (6, "visit/household_number", "unknown_household"),
        (7, "visit/delivered_measures", "refused"),
        (8, "visit/visit_date", "refused"),
    ]
    assert "Unknown household number H-NOBODY" in result.errors[0].message
    assert "not in this household's plan" in result.errors[4].message
    assert list(Visit.objects.values_list("instance_id", flat=True)) == ["uuid:good"]


def test_an_odk_central_export_with_dashed_group_paths_imports(home, users):
    header = ["SubmissionDate", "visit-household_number", "visit-visit_date", "visit-findings",
              "visit-income_update", "visit-wage_income", "visit-gps-Latitude", "visit-gps-Longitude",
              "visit-gps-Altitude", "visit-gps-Accuracy", "meta-instanceID", "KEY", "SubmitterID",
              "SubmitterName"]  # fmt: skip
    row = ["2025-06-01T08:00:00.000Z", home.number, TODAY.isoformat(), "好", "no", "", "23.5", "108.25", "0", "5",
           "uuid:c1", "uuid:c1", "7", "张三"]  # fmt: skip
    result = visits_import(
        actor=users[Role.TOWNSHIP], content=_csv(header, [row], ","), file_name="central.csv"
    )
    assert (result.imported, result.errors) == (1, [])
    visit = Visit.objects.get()
    assert (visit.instance_id, visit.submitted_by, visit.latitude) == ("uuid:c1", "张三", Decimal("23.5"))
    assert visit.income_record is None  # the cadre chose not to record income


def test_a_file_that_is_not_the_visit_form_is_refused_whole(users):
    with pytest.raises(ValidationError, match="no household_number column"):
        visits_import(actor=users[Role.VILLAGE], content=b"name,amount\nx,1\n", file_name="x.csv")
    assert not AuditEvent.objects.exists()


def test_an_analyst_cannot_import_visits(home, users):
    content = _csv(KOBO_HEADER, [_kobo_row(home.number, instance="a1", date=TODAY.isoformat())])
    with pytest.raises(PermissionDenied):
        visits_import(actor=users[Role.ANALYST], content=content, file_name="kobo.csv")
    assert not Visit.objects.exists()


def test_the_import_command_reports_counts_and_errors(home, users, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "kobo.csv"
    path.write_bytes(
        _csv(
            KOBO_HEADER,
            [
                _kobo_row(home.number, instance="a1", date=TODAY.isoformat()),
                _kobo_row("X", instance="b", date="x"),
            ],
        )
    )
    out = io.StringIO()
    call_command("import_visits", str(path), "--user", "village", stdout=out)
    assert "1 imported, 0 already imported, 2 problems" in out.getvalue()
    assert "row 3, column visit/household_number" in out.getvalue()
    with pytest.raises(CommandError, match="no user"):
        call_command("import_visits", str(path), "--user", "nobody", stdout=io.StringIO())
