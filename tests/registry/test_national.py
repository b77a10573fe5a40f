"""The national monitoring system's Excel export: writing it, loading it, and the round trip between the two."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.core.bulk import delete_all
from fangpin.core.crypto import decrypt_text
from fangpin.core.errors import FileRejected, PermissionDenied
from fangpin.divisions.models import Division
from fangpin.registry.models import Household, IncomeRecord, Member
from fangpin.registry.national.export import national_export
from fangpin.registry.national.importer import national_import, spread_over_year
from fangpin.registry.national.layout import HEADER_ROW, HOUSEHOLD_SHEET, MEMBER_SHEET
from fangpin.registry.selectors import household_income_12m, household_incomes
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate
from tests.conftest import COUNTY
from tests.factories import UserFactory

MEMBERS, HOUSEHOLDS = MEMBER_SHEET.name, HOUSEHOLD_SHEET.name


def _wipe_registry() -> None:
    delete_all([IncomeRecord.objects.all(), Member.objects.all(), Household.objects.all()])


def _household_fields(h: Household) -> tuple:
    # The file holds months, so the day of identification and elimination is not kept.
    month = lambda d: d and (d.year, d.month)  # noqa: E731
    return (
        h.village_id,
        h.address,
        h.status,
        h.category_id,
        h.risk_codes,
        month(h.identified_on),
        month(h.eliminated_on),
        h.elimination_method,
        h.is_formerly_poor,
        h.poverty_exit_year,
        h.housing_grade,
        h.has_safe_water,
    )


def _member_fields(m: Member) -> tuple:
    # Not name_initials: the simulator reads surnames such as 覃 (qín) by its own table, an import by
    # core.pinyin like every hand-entered member, and the two disagree on those surnames.
    return (
        m.household.number,
        m.name,
        m.id_number_hash,
        m.id_number_masked,
        m.relation,
        m.sex,
        m.birth_date,
        m.education,
        m.school_status,
        m.health,
        m.disability_grade,
        m.labour_skill,
        m.medical_insurance,
        m.months_employed,
        m.is_resident,
    )


def _income(h: Household):
    residents = h.members.filter(is_resident=True).count()
    summary = household_income_12m(records=household_incomes(household=h), residents=residents)
    return summary.period_end, summary.components, summary.per_person


def _sample() -> dict:
    households = Household.objects.order_by("number")
    # The monitored and eliminated households, and every 50th of the rest.
    chosen = [h for i, h in enumerate(households) if h.status != "normal" or i % 50 == 0]
    members = Member.objects.filter(household__in=chosen).select_related("household")
    return {
        "households": {h.number: (_household_fields(h), _income(h)) for h in chosen},
        "members": {decrypt_text(bytes(m.id_number_encrypted)): _member_fields(m) for m in members},
    }


def _rows(path: Path, sheet: str) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _set_cell(path: Path, sheet: str, row: int, header: str, value) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    column = next(c.column for c in ws[HEADER_ROW] if c.value == header)
    ws.cell(row=row, column=column, value=value)
    book.save(path)


@pytest.fixture
def simulated(db, tmp_path):
    params = SimulationParams(households=1_000, seed=3, end_month=dt.date(2025, 12, 1))
    county_simulate(actor="test", params=params, parquet_root=tmp_path)
    return UserFactory(username="bureau", role=Role.COUNTY, division=Division.objects.get(code=COUNTY))


def test_export_then_import_into_an_empty_registry_then_export_again_gives_the_same_file(simulated, tmp_path):
    first = national_export(actor=simulated, path=tmp_path / "first.xlsx", county_code=COUNTY)
    before = _sample()
    counts = (Household.objects.count(), Member.objects.count())
    _wipe_registry()

    summary = national_import(actor=simulated, path=first)
    second = national_export(actor="cli", path=tmp_path / "second.xlsx", county_code=COUNTY)

    assert first.read_bytes() == second.read_bytes()
    assert (summary.households, summary.members) == counts
    assert summary.income_records == 12 * counts[0]
    assert summary.ignored_columns == ()
    assert _sample() == before
    assert set(IncomeRecord.objects.values_list("source", flat=True)) == {"survey"}
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"registry.national_export", "registry.national_import"} <= actions


def test_the_file_has_both_sheets_with_the_header_on_row_3_and_full_id_numbers(simulated, tmp_path):
    path = national_export(actor=simulated, path=tmp_path / "n.xlsx", county_code=COUNTY)
    members, households = _rows(path, MEMBERS), _rows(path, HOUSEHOLDS)

    assert members[0][0].startswith("全国防返贫监测信息系统") and "安宁县" in members[0][0]
    assert members[HEADER_ROW - 1] == [c.header for c in MEMBER_SHEET.columns]
    assert households[HEADER_ROW - 1] == [c.header for c in HOUSEHOLD_SHEET.columns]
    assert len(members) - HEADER_ROW == Member.objects.count()
    assert len(households) - HEADER_ROW == Household.objects.count() == 1_000
    id_column = MEMBER_SHEET.columns.index(MEMBER_SHEET.column("id_number"))
    first = Member.objects.order_by("household__village_id", "household__number", "id").first()
    assert members[HEADER_ROW][id_column] == decrypt_text(first.id_number_encrypted)


def test_annual_income_is_the_last_12_months_summed_and_comes_back_as_12_survey_months(simulated, tmp_path):
    household = Household.objects.order_by("village_id", "number").first()
    # A survey outranks the simulated record of the same month; a month before the 12 does not count.
    IncomeRecord.objects.create(
        household=household, period=dt.date(2025, 12, 1), source="survey", wage_income=Decimal("1234.56")
    )
    IncomeRecord.objects.create(
        household=household, period=dt.date(2024, 12, 1), source="survey", wage_income=Decimal("99999")
    )
    _end, components, per_person = _income(household)
    assert Decimal("1234.56") <= components.wage_income < Decimal("99999")
    path = national_export(actor=simulated, path=tmp_path / "n.xlsx", county_code=COUNTY)
    row = dict(zip(_rows(path, MEMBERS)[HEADER_ROW - 1], _rows(path, MEMBERS)[HEADER_ROW], strict=True))

    assert row["收入统计截止年月"] == "202512"
    assert Decimal(str(row["工资性收入"])) == components.wage_income
    assert Decimal(str(row["人均纯收入"])) == per_person
    _wipe_registry()
    national_import(actor=simulated, path=path)
    periods = IncomeRecord.objects.filter(household__number=household.number).values_list("period", flat=True)
    assert sorted(periods) == [dt.date(2025, m, 1) for m in range(1, 13)]


@given(cents=st.integers(min_value=0, max_value=10**11))
def test_an_annual_amount_spread_over_12_months_adds_up_to_it_exactly(cents):
    annual = Decimal(cents) / 100
    months = spread_over_year(annual)
    assert len(months) == 12 and sum(months) == annual and min(months) >= 0
    assert max(months) - min(months) < Decimal("0.12")


# --- refusals and bad input -------------------------------------------------------------------------------


@pytest.fixture
def small_file(households, users, tmp_path) -> Path:
    """The four conftest households exported, then the registry emptied: ready to be edited and loaded."""
    path = national_export(actor=users[Role.COUNTY], path=tmp_path / "small.xlsx", county_code=COUNTY)
    _wipe_registry()
    return path


@pytest.mark.parametrize(
    ("sheet", "header", "value", "column", "message"),
    [
        (MEMBERS, "证件号码", "450123198005170035", "证件号码", "check digit"),
        (HOUSEHOLDS, "村", "不存在村", "村", "no village named 不存在村"),
        (MEMBERS, "识别监测时间", "202313", "识别监测时间", "13 is not between 1 and 12"),
        (MEMBERS, "监测对象类别", "贫困户", "监测对象类别", "贫困户 is not a monitoring category"),
        (MEMBERS, "户编号", "H99999999", "户编号", "There is no household H99999999"),
        (MEMBERS, "健康状况", "很好", "健康状况", "很好 is not one of"),
    ],
)
def test_a_bad_cell_rejects_the_whole_file_naming_sheet_row_and_column(
    small_file, users, sheet, header, value, column, message
):
    _set_cell(small_file, sheet, HEADER_ROW + 1, header, value)

    with pytest.raises(FileRejected) as excinfo:
        national_import(actor=users[Role.COUNTY], path=small_file)

    [error] = excinfo.value.errors
    assert (error.sheet, error.row, error.column) == (sheet, HEADER_ROW + 1, column)
    assert message in error.message
    assert Household.objects.count() == Member.objects.count() == IncomeRecord.objects.count() == 0


def test_a_monitored_household_without_a_category_is_refused(small_file, users):
    _set_cell(small_file, MEMBERS, HEADER_ROW + 1, "风险是否已消除", "否")

    with pytest.raises(FileRejected) as excinfo:
        national_import(actor=users[Role.COUNTY], path=small_file)

    columns = {(e.sheet, e.row, e.column) for e in excinfo.value.errors}
    assert columns == {(MEMBERS, HEADER_ROW + 1, "监测对象类别"), (MEMBERS, HEADER_ROW + 1, "识别监测时间")}
    assert Household.objects.count() == 0


def test_households_and_people_already_in_the_registry_are_refused(households, users, tmp_path):
    path = national_export(actor=users[Role.COUNTY], path=tmp_path / "n.xlsx", county_code=COUNTY)

    with pytest.raises(FileRejected) as excinfo:
        national_import(actor=users[Role.COUNTY], path=path)

    codes = {e.code for e in excinfo.value.errors}
    assert codes == {"household_exists", "person_exists"}
    assert Household.objects.count() == 4


def test_a_missing_column_is_reported_on_the_header_row(small_file, users):
    _set_cell(small_file, MEMBERS, HEADER_ROW, "劳动技能", "技能")

    with pytest.raises(FileRejected) as excinfo:
        national_import(actor=users[Role.COUNTY], path=small_file)

    [error] = excinfo.value.errors
    assert (error.sheet, error.row, error.column, error.code) == (MEMBERS, 3, "劳动技能", "missing_column")


def test_a_name_that_looks_like_a_formula_is_written_neutralised_and_read_back_as_it_was(
    households, users, tmp_path
):
    member = households["a1"].members.get()
    member.name = "=cmd|' /C calc'!A0"
    member.save()
    path = national_export(actor=users[Role.COUNTY], path=tmp_path / "n.xlsx", county_code=COUNTY)

    names = [row[4] for row in _rows(path, MEMBERS)[HEADER_ROW:]]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(name.startswith("=") for name in names)
    _wipe_registry()
    national_import(actor=users[Role.COUNTY], path=path)
    assert Member.objects.filter(name="=cmd|' /C calc'!A0").exists()


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWNSHIP, Role.ANALYST])
def test_only_the_county_bureau_may_export_or_import(households, users, tmp_path, role):
    path = tmp_path / "n.xlsx"
    with pytest.raises(PermissionDenied):
        national_export(actor=users[role], path=path, county_code=COUNTY)
    assert not path.exists()

    national_export(actor=users[Role.COUNTY], path=path, county_code=COUNTY)
    with pytest.raises(PermissionDenied):
        national_import(actor=users[role], path=path)


def test_the_commands_export_and_import(households, tmp_path, capsys):
    path = tmp_path / "cli.xlsx"
    call_command("export", "national", "--out", str(path), "--county", COUNTY)
    _wipe_registry()

    call_command("import_national", str(path))

    assert "Imported 4 households, 4 members" in capsys.readouterr().out
    assert Household.objects.count() == 4
