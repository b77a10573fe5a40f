"""The invalid rows of a batch, on the page and as an Excel file that can be corrected and uploaded again."""

import io

import pytest
from openpyxl import load_workbook

from fangpin.feeds.exports import PROBLEMS_HEADER, batch_problems, invalid_rows_workbook
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, FeedSchema, HeaderMapping, RowStatus
from fangpin.feeds.readers import open_table
from fangpin.feeds.schema import load_schema
from fangpin.feeds.services import feed_schemas_install_defaults
from fangpin.feeds.validate import map_headers

HEADERS = ["证件号", "患者姓名", "医疗机构名称", "入院日期", "结算日期", "总费用", "个人自付", "诊断"]


@pytest.fixture
def batch(db) -> FeedBatch:
    feed_schemas_install_defaults()
    schema = FeedSchema.objects.get(source="health")
    # The department once told fangpin that its 证件号 column is the ID number.
    HeaderMapping.objects.create(department="卫健", schema=schema, file_header="证件号", column="id_number")
    return FeedBatch.objects.create(
        schema=schema, department="卫健", file_name="住院.csv", file_sha256="0" * 64, status=BatchStatus.DONE
    )


def _row(batch, number: int, column: str, message: str, **cells) -> FeedRow:
    raw = dict.fromkeys(HEADERS, "") | {"患者姓名": "张伟", "入院日期": "2025-10-03"} | cells
    return FeedRow.objects.create(
        batch=batch,
        row_number=number,
        status=RowStatus.INVALID,
        column=column,
        message=message,
        raw=[[h, v] for h, v in raw.items()],
    )


def _sheet(batch) -> list[list[str]]:
    book = load_workbook(io.BytesIO(invalid_rows_workbook(batch)))
    return [[cell or "" for cell in row] for row in book.active.iter_rows(values_only=True)]


def test_the_workbook_has_the_headers_as_sent_one_row_per_invalid_row_and_every_problem(batch):
    _row(batch, 4, "admission_date", "2099-01-01 is in the future.", 入院日期="2099-01-01")
    _row(batch, 4, "out_of_pocket", "-5 is negative.", 入院日期="2099-01-01", 个人自付="-5")
    _row(batch, 9, "id_number", "The check digit should be 4.", 证件号="450123198005170030")
    rows = _sheet(batch)
    assert rows[0] == [*HEADERS, PROBLEMS_HEADER]
    assert len(rows) == 3
    first, second = rows[1], rows[2]
    assert first[3] == "2099-01-01"
    problems = first[-1].splitlines()
    assert problems == [
        "Row 4 of the file as sent:",
        "入院日期: 2099-01-01 is in the future.",
        "个人自付: -5 is negative.",
    ]
    # The remembered header, not the schema's label, names the column: it is what the officer sees.
    assert second[0] == "450123198005170030" and "证件号: The check digit should be 4." in second[-1]


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-5", "\tx"])
def test_every_cell_that_a_spreadsheet_could_run_is_neutralised(batch, value):
    _row(batch, 3, "diagnosis", "A formula.", 诊断=value)
    assert _sheet(batch)[1][7] == "'" + value


def test_control_characters_an_xlsx_cannot_hold_are_left_out(batch):
    _row(batch, 3, "diagnosis", "Odd.", 诊断="肺\x01炎\x1f")
    assert _sheet(batch)[1][7] == "肺炎"


def test_a_re_export_replaces_the_problems_column_of_an_earlier_export(batch):
    _row(batch, 2, "", "This row has more cells than the header row.", **{PROBLEMS_HEADER: "old problems"})
    rows = _sheet(batch)
    assert rows[0].count(PROBLEMS_HEADER) == 1 and rows[0][-1] == PROBLEMS_HEADER
    assert "old problems" not in rows[1][-1] and "more cells" in rows[1][-1]


def test_a_batch_without_invalid_rows_gives_a_workbook_with_only_the_problems_header(batch):
    assert _sheet(batch) == [[PROBLEMS_HEADER]]


def test_the_workbook_reads_back_with_its_headers_and_the_problems_column_does_not_block(batch, tmp_path):
    _row(batch, 4, "admission_date", "In the future.", 入院日期="2099-01-01")
    path = tmp_path / "fixed.xlsx"
    path.write_bytes(invalid_rows_workbook(batch))
    table = open_table(path)
    assert table.headers == [*HEADERS, PROBLEMS_HEADER]
    mapping = map_headers(table.headers, load_schema(batch.schema.definition), {"证件号": "id_number"})
    assert mapping.is_complete and mapping.unknown_headers == [PROBLEMS_HEADER]


def test_problems_on_the_page_carry_the_column_label_the_header_and_the_value(batch):
    rows = [
        _row(batch, 9, "id_number", "Bad check digit.", 证件号="450123198005170030"),
        _row(batch, 12, "id_number,admission_date,hospital", "This row repeats row 11."),
        _row(batch, 13, "", "The file ends in the middle of this row."),
    ]
    bad_id, repeated, cut = batch_problems(batch, rows)
    assert (bad_id.row_number, bad_id.column, bad_id.header, bad_id.value) == (
        9,
        "ID number",
        "证件号",
        "4501**********0030",  # a wrong ID number is still someone's: masked like every other on a page
    )
    assert repeated.column == "ID number, Admission date, Hospital" and repeated.value == ""
    assert (cut.column, cut.header, cut.message) == ("", "", "The file ends in the middle of this row.")


def test_an_id_number_in_a_problem_is_masked_in_its_message_too_unless_it_no_longer_identifies_anyone(batch):
    rows = [
        _row(
            batch,
            3,
            "id_number",
            "The ID number “45012319800517003” has 17 digits.",
            证件号="45012319800517003",
        ),
        _row(batch, 4, "id_number", "Excel turned “4.50123E+17” into a number.", 证件号="4.50123E+17"),
    ]
    shortened, excel = batch_problems(batch, rows)
    assert (shortened.value, shortened.message) == (
        "4501*********7003",
        "The ID number “4501*********7003” has 17 digits.",
    )
    assert (excel.value, excel.message) == ("4.50123E+17", "Excel turned “4.50123E+17” into a number.")
    # The Excel to correct keeps the cells as sent: it is downloaded, and audited, to be corrected.
    rows = load_workbook(io.BytesIO(invalid_rows_workbook(batch))).active
    assert [r[0].value for r in rows.iter_rows(min_row=2)] == ["45012319800517003", "4.50123E+17"]
