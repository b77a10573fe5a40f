import base64
import datetime as dt
import zlib

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangpin.feeds import readers, xlsx
from fangpin.feeds.readers import FileUnreadable, column_letter, find_header_row, open_table
from tests.feeds.test_xlsx import workbook_bytes

HEADER = "姓名,身份证号,入院日期,金额"
ROWS = ["张三,11010519491231002X,2026-10-03,1234.5", "李四,450123198005170034,2026/10/4,88"]


def write(tmp_path, content, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read_all(path, **options):
    table = open_table(path, **options)
    batches = list(table.batches())
    return table, pa.concat_tables(batches) if batches else None


def rows_of(table):
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in table.to_pylist()]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_reads_the_same(tmp_path, encoding, expected):
    path = write(tmp_path, "\n".join([HEADER, *ROWS]) + "\n", encoding=encoding)
    table, data = read_all(path)
    assert (table.format, table.encoding, table.header_row) == ("csv", expected, 1)
    assert table.headers == ["姓名", "身份证号", "入院日期", "金额"]
    assert rows_of(data)[0] == {
        "姓名": "张三",
        "身份证号": "11010519491231002X",
        "入院日期": "2026-10-03",
        "金额": "1234.5",
    }
    assert data["_row"].to_pylist() == [2, 3]
    assert all(data.schema.field(h).type == pa.string() for h in table.headers)


def test_title_rows_are_skipped_and_the_header_row_is_reported(tmp_path):
    content = "\n".join(
        ["2026年10月住院费用明细表", "填报单位：安宁县医保局,,,填报日期：2026-11-01", ",,,", HEADER, *ROWS]
    )
    table, data = read_all(write(tmp_path, content, encoding="gbk"))
    assert table.header_row == 4
    assert table.headers[0] == "姓名"
    assert data["_row"].to_pylist() == [5, 6]


def test_a_total_row_and_empty_rows_are_dropped_but_row_numbers_stay_those_of_the_file(tmp_path):
    content = "\n".join([HEADER, ROWS[0], ",,,", "", ROWS[1], "合 计,,,1322.5", "总计：,,,1322.5"]) + "\n"
    table, data = read_all(write(tmp_path, content))
    assert data["_row"].to_pylist() == [2, 5]
    assert table.total_rows == [6, 7]


def test_a_subtotal_in_english_is_recognised_too(tmp_path):
    table, data = read_all(write(tmp_path, "\n".join([HEADER, ROWS[0], "TOTAL,,,1"])))
    assert data.num_rows == 1 and table.total_rows == [3]


def test_tab_separated_text_is_read(tmp_path):
    content = "\n".join(line.replace(",", "\t") for line in [HEADER, *ROWS])
    _table, data = read_all(write(tmp_path, content))
    assert rows_of(data)[1]["金额"] == "88"


def test_excel_unicode_text_in_utf16_is_read(tmp_path):
    content = "\r\n".join(line.replace(",", "\t") for line in [HEADER, *ROWS])
    table, data = read_all(write(tmp_path, content, encoding="utf-16"))
    assert table.encoding == "utf-16" and data.num_rows == 2


def test_a_quoted_cell_may_hold_commas_and_line_breaks(tmp_path):
    content = HEADER + ',备注\n张三,11010519491231002X,2026-10-03,"1,234.50","第一行\n第二行"\n李四,x,y,z,w\n'
    _table, data = read_all(write(tmp_path, content))
    assert rows_of(data)[0]["金额"] == "1,234.50"
    assert rows_of(data)[0]["备注"] == "第一行\n第二行"
    assert data["_row"].to_pylist() == [2, 3]


def test_repeated_headers_make_the_file_unreadable_and_are_named(tmp_path):
    path = write(tmp_path, "姓名,身份证号,姓名\n张三,1,2\n")
    with pytest.raises(FileUnreadable, match="appear more than once: 姓名"):
        open_table(path)


def test_a_column_with_values_but_no_header_makes_the_file_unreadable(tmp_path):
    path = write(tmp_path, "姓名,,金额\n张三,x,1\n")
    with pytest.raises(FileUnreadable, match="Columns B have values but no header"):
        open_table(path)


def test_an_empty_column_without_a_header_is_ignored(tmp_path):
    table, data = read_all(write(tmp_path, "姓名,,金额,,\n张三,,1,,\n李四,,2,,\n"))
    assert table.headers == ["姓名", "金额"]
    assert data.column_names == ["姓名", "金额", "_row", "_too_long", "_row_problem"]


def test_a_value_under_no_header_far_down_the_file_is_a_row_problem_not_lost(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_PEEK_ROWS", 2)
    lines = ["姓名,金额,", *[f"人{i},{i}," for i in range(5)], "王五,9,多出来的值"]
    _table, data = read_all(write(tmp_path, "\n".join(lines) + "\n"))
    problems = data["_row_problem"].to_pylist()
    assert problems[:5] == [None] * 5
    assert "column C has “多出来的值”" in problems[5]


def test_rows_with_more_cells_than_the_header_keep_the_row_and_say_so(tmp_path):
    content = "\n".join([HEADER, ROWS[0] + ",额外", "王五,1", ROWS[1]]) + "\n"
    _table, data = read_all(write(tmp_path, content))
    assert data["_row"].to_pylist() == [2, 3, 4]
    assert "“额外” are beyond the last column" in data["_row_problem"][0].as_py()
    assert rows_of(data)[1] == {"姓名": "王五", "身份证号": "1", "入院日期": "", "金额": ""}  # padded
    assert data["_row_problem"][1].as_py() is None


def test_a_file_cut_off_in_its_last_row_flags_that_row(tmp_path):
    _table, data = read_all(write(tmp_path, "\n".join([HEADER, *ROWS, "王五,11010519"])))
    assert "cut off" in data["_row_problem"][2].as_py()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\n\r\n  \n", "The file is empty"),
        (b"\xef\xbb\xbf", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data"),
        (bytes(range(1, 9)) * 50, "binary data"),
        (b"abc,def\n\x80\xff,\xfe\n", "neither UTF-8 nor GBK"),
        ("只有一行标题".encode(), "No header row was found"),
        (b"1,2,3\n4,5,6\n", "No header row was found"),
    ],
)
def test_what_is_not_a_table_is_refused_with_a_clear_message(tmp_path, content, message):
    with pytest.raises(FileUnreadable, match=message):
        open_table(write(tmp_path, content))


def test_a_missing_file_is_unreadable(tmp_path):
    with pytest.raises(FileUnreadable, match="cannot be read"):
        open_table(tmp_path / "nowhere.csv")


def test_text_that_changes_encoding_after_the_sample_fails_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_SAMPLE_BYTES", 64)
    content = ("\n".join([HEADER, *ROWS * 5]) + "\n").encode() + "王五,x,y,z\n".encode("gbk")
    table = open_table(write(tmp_path, content))
    with pytest.raises(FileUnreadable, match="not utf-8 text"):
        list(table.batches())


def test_a_cell_longer_than_the_limit_is_cut_at_a_character_boundary_and_flagged(tmp_path):
    content = "\n".join([HEADER, "张三,11010519491231002X,2026-10-03," + "元" * 400_000, ROWS[1]]) + "\n"
    _table, data = read_all(write(tmp_path, content), max_cell_bytes=1000)
    cut = data["金额"][0].as_py()
    assert cut == "元" * 333  # 3 bytes each: 999 bytes, no half character
    assert data["_too_long"].to_pylist() == [["金额"], None]


def test_batches_have_at_most_the_asked_rows_and_number_every_row_once(tmp_path):
    lines = [HEADER] + [f"人{i},{i},2026-10-03,{i}" for i in range(2_500)]
    lines.insert(700, ",,,")  # an empty row shifts nothing
    table = open_table(write(tmp_path, "\n".join(lines) + "\n"))
    batches = list(table.batches(batch_rows=1_000))
    assert [b.num_rows for b in batches] == [1_000, 1_000, 500]
    rows = pa.concat_tables(batches)["_row"].to_pylist()
    assert rows == [*range(2, 701), *range(702, 2503)]


def test_the_format_comes_from_the_content_not_the_file_name(tmp_path):
    csv_named_xlsx = write(tmp_path, "\n".join([HEADER, *ROWS]), name="data.xlsx")
    assert open_table(csv_named_xlsx).format == "csv"
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.save(tmp_path / "book.csv")
    assert open_table(tmp_path / "book.csv").format == "xlsx"


def excel_file(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B1"] = "2026年10月住院明细"
    sheet.append([])
    sheet.append([None, "姓名", "身份证号", "入院日期", "金额", "备注"])
    sheet.append([None, "张三", "11010519491231002X", dt.date(2026, 10, 3), 1234.5, "=1+1"])
    sheet.append([None, "李四", 450102199001011234, dt.datetime(2026, 10, 4, 0, 0), 88.0, None])
    sheet.append([None, "王五", 110105491231002, dt.datetime(2026, 10, 5, 14, 30), 12, True])
    sheet.append([None, "合计", None, None, 1334.5, None])
    sheet["F4"].data_type = "s"  # text that looks like a formula, as typed with a leading apostrophe
    hidden = workbook.create_sheet("说明", 0)
    hidden.sheet_state = "hidden"
    path = tmp_path / "hospital.xlsx"
    workbook.save(path)
    return path


def test_an_xlsx_sheet_is_read_with_cells_as_a_cadre_sees_them(tmp_path):
    table, data = read_all(excel_file(tmp_path))
    assert (table.format, table.header_row) == ("xlsx", 3)
    assert table.headers == ["姓名", "身份证号", "入院日期", "金额", "备注"]
    rows = rows_of(data)
    assert rows[0] == {
        "姓名": "张三",
        "身份证号": "11010519491231002X",
        "入院日期": "2026-10-03",
        "金额": "1234.5",
        "备注": "=1+1",
    }
    assert rows[1]["身份证号"] == "4.50102199001011e+17"  # Excel keeps 15 digits: the loss shows
    assert rows[1]["入院日期"] == "2026-10-04" and rows[1]["金额"] == "88"
    assert rows[2]["身份证号"] == "110105491231002" and rows[2]["入院日期"] == "2026-10-05 14:30:00"
    assert rows[2]["备注"] == "TRUE"
    assert data["_row"].to_pylist() == [4, 5, 6]
    assert table.total_rows == [7]


def test_an_excel_column_without_a_header_is_named_by_its_letter(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([None, "姓名", None, "金额"])
    sheet.append([None, "张三", "?", 1])
    workbook.save(tmp_path / "b.xlsx")
    with pytest.raises(FileUnreadable, match="Columns C have values"):
        open_table(tmp_path / "b.xlsx")


def test_a_truncated_xlsx_is_unreadable(tmp_path):
    content = excel_file(tmp_path).read_bytes()
    with pytest.raises(FileUnreadable, match="XLSX file is damaged or cut off"):
        open_table(write(tmp_path, content[: len(content) // 2], name="cut.xlsx"))


def test_a_zip_that_is_not_a_workbook_is_unreadable(tmp_path):
    with pytest.raises(FileUnreadable, match="XLSX file is damaged"):
        open_table(write(tmp_path, b"PK\x03\x04" + b"\x00" * 100, name="x.xlsx"))


def test_an_xlsx_is_read_chunk_by_chunk_and_only_its_top_is_read_when_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 8192)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(["2026年10月名单"])
    sheet.append(["姓名", "身份证号", "金额"])
    for n in range(3000):
        sheet.append([f"人{n}", f"45010219900101{n:04d}", n + 0.5])
    workbook.save(tmp_path / "big.xlsx")
    table = open_table(tmp_path / "big.xlsx")
    assert table.header_row == 2
    assert max(int(cells.row.max()) for cells in table.held) < 2 + 1_000 + 200  # the header and peeked rows
    batches = list(table.batches(batch_rows=1_000))
    assert [b.num_rows for b in batches] == [1_000, 1_000, 1_000]
    data = pa.concat_tables(batches)
    assert data["_row"].to_pylist() == list(range(3, 3003))
    assert rows_of(data)[2999] == {"姓名": "人2999", "身份证号": "450102199001012999", "金额": "2999.5"}


def test_an_xlsx_is_read_from_its_first_visible_sheet_with_data(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "空白"
    hidden = workbook.create_sheet("填表说明", 0)
    hidden.append(["说明", "请勿修改"])
    hidden.sheet_state = "hidden"
    data = workbook.create_sheet("数据")
    data.append(["姓名", "金额"])
    data.append(["张三", 1])
    workbook.save(tmp_path / "b.xlsx")
    table, rows = read_all(tmp_path / "b.xlsx")
    assert table.headers == ["姓名", "金额"] and rows_of(rows) == [{"姓名": "张三", "金额": "1"}]


def test_xlsx_values_beside_the_table_far_down_are_row_problems_not_lost(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_PEEK_ROWS", 2)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([None, "姓名", "金额"])
    for n in range(5):
        sheet.append([None, f"人{n}", n])
    sheet.append(["左边", "王五", 9, "右边", " "])
    workbook.save(tmp_path / "b.xlsx")
    table, data = read_all(tmp_path / "b.xlsx")
    assert (table.first_column, table.headers) == (1, ["姓名", "金额"])
    problems = data["_row_problem"].to_pylist()
    assert problems[:5] == [None] * 5
    assert "column A has “左边”" in problems[5] and "“右边” are beyond the last column" in problems[5]
    assert rows_of(data)[5] == {"姓名": "王五", "金额": "9"}


def test_an_xlsx_without_a_filled_cell_is_empty(tmp_path):
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(FileUnreadable, match="The file is empty"):
        open_table(tmp_path / "empty.xlsx")


def test_malformed_xlsx_xml_is_unreadable_with_a_clear_message(tmp_path):
    sheet_xml = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"'
    path = write(tmp_path, workbook_bytes([("表", None, "")], sheet_xml=sheet_xml), name="bad.xlsx")
    with pytest.raises(
        FileUnreadable,
        match=r"XLSX file is damaged or cut off and cannot be opened \(.*ends in the middle of a row",
    ):
        open_table(path)


def test_an_xlsx_damaged_below_its_top_fails_when_its_rows_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 4096)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>人{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
        for n in range(2, 2000)
    )
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>金额</t></is></c></row>'
    path = write(
        tmp_path,
        workbook_bytes([("表", None, header + rows + '<row r="2000"><c r="A2000"><v>1</x></row>')]),
        "cut.xlsx",
    )
    table = open_table(path)
    with pytest.raises(
        FileUnreadable, match=r"The Excel file is damaged after row 1\d{3} \(.*not well-formed"
    ):
        list(table.batches())


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.integers(min_value=0, max_value=3_000),
    st.integers(min_value=0, max_value=30),
    st.text(alphabet='<>/&"= rcvt1A;', max_size=5),
)
def test_xlsx_with_damaged_xml_gives_batches_or_file_unreadable_never_a_crash(
    tmp_path, start, length, insert
):
    data = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>金额</t></is></c></row>'
    data += "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c><c r="B{n}" s="1"><v>{n}.5</v></c></row>'
        for n in range(2, 40)
    )
    start %= len(data)
    content = workbook_bytes(
        [("表", None, data[:start] + insert + data[start + length :])],
        strings="<si><t>张三</t></si>",
        styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>',
    )
    try:
        for batch in open_table(write(tmp_path, content, name="fuzz.xlsx")).batches(batch_rows=7):
            assert batch.column_names[-3:] == ["_row", "_too_long", "_row_problem"]
    except FileUnreadable as error:
        assert error.message


# An .xls (BIFF8) written once with xlwt, which fangpin does not install: a title row, a blank row, the
# header, two people (the second ID number typed as a number) and a 合计 row.
XLS = (
    "eNrtWE1IVFEU/u77cWZk1HHSQAMbhMxMcWY0SUSnzHLlqCmmEamTk6ShMeiiFmaZEIgRBPZDG8EWEVht+qGC3ESLQMlFUARatHIV"
    "FLVQp3PPvCk1iwZKMN73uOedc+455/6cd+99701NJs+M3k2fxQqUQcVi2Ia4JTpBxRYVHKD6cFiy0buVStjEuoLNSomM0/Eo4YVF"
    "5lDmexYK7mgTRIF3VA7hBPzdXUHXGqKc+9AqZB9KiQpcJ00i0rhXTqZHmG5gepstHzPdxZphpqVkOyMOYtLnz9lpPMWNSibXJULG"
    "vc8+r1njQSqey6f49EURsdWxO3Ss9fg6q8jQ7BgDJbQy2BUMSTkJNxAPNBHyqqryKipmkELJHsPnsAv4FF3VT12mfm31AqT/ulxv"
    "+YXeSklcqb+kaEA/wi28SAZhR4cmaxRRXR0YmceATDsXO4QXbnhRhJ7DHuKs7dIk8eizPnKdbkqo1yBuXVjwTwx9qSM2WBsY+RDc"
    "3K5DlNRd7i1pKR7O7iVLV7PN76S14nF73Ds8xYXFHm+Bx+32NlKdv/1NAx0RXre3KN/jzi8klbV+dEg2H9lpHMt2mgRegXaibUhi"
    "PpnXoYOGOn/z48uqQI2vmTX9fLpEzqAtcsgI44z0IOdEROMBsiaHPbYzPctRNzGfzjSFFgnds2pSDWbfANuc49osaqeAMe3buoTP"
    "Jn5wrvZBxuB73zbixytnT6WMv/KNIpPOxDbyl9cAckWuuHZV4qEvehfGfvWWadpPe5dVcRhjCxsHbRIWOGWg+YBhofDollsobCHn"
    "JCJF5y8iKSSp3yWVJM2Ipa4SS+VYumGvciw5p0+o9yr5O9ExLSPOnbeQLKNoq0TROIpMsEp50ThKbfVUecP8lT2RehlD5rJPkZLs"
    "VUBEeqWvEk/neDbDXmf7TqcVZYoT9+RQabf/gXiYMGHChAkTJkyY+D3ku6N8jVKNd2fdeJO2GP91Fqgsmr9J/lvsRzddPfRRuRdd"
    "dA/hZEzPz0boIhpL/KFP9H+hxAFqPYROBLgfnTE/v/RlJZaO548dHX9vCcXa/mIs/fzH7X8Dm7n5tw=="
)


def test_an_xls_workbook_is_read_through_calamine(tmp_path):
    table, data = read_all(write(tmp_path, zlib.decompress(base64.b64decode(XLS)), name="old.xls"))
    assert (table.format, table.header_row, table.headers) == (
        "xls",
        3,
        ["姓名", "身份证号", "入院日期", "医疗总费用"],
    )
    rows = rows_of(data)
    assert rows[0] == {
        "姓名": "张三",
        "身份证号": "11010519491231002X",
        "入院日期": "2026-10-03",
        "医疗总费用": "1234.5",
    }
    assert rows[1]["身份证号"] == "4.50102199001011e+17"
    assert data["_row"].to_pylist() == [4, 5] and table.total_rows == [6]


def test_a_truncated_xls_is_unreadable(tmp_path):
    content = zlib.decompress(base64.b64decode(XLS))
    with pytest.raises(FileUnreadable, match="XLS file is damaged"):
        open_table(write(tmp_path, content[:3000], name="cut.xls"))


def test_parquet_columns_of_any_type_are_read_as_text(tmp_path):
    path = tmp_path / "feed.parquet"
    pq.write_table(
        pa.table({
            "姓名": ["张三", "合计"],
            "身份证号": pa.array([110105194912310020, None], pa.int64()),
            "入院日期": pa.array([dt.date(2026, 10, 3), None], pa.date32()),
            "金额": pa.array([1234.5, 88.0]),
        }),
        path,
    )  # fmt: skip
    table, data = read_all(path)
    assert (table.format, table.header_row) == ("parquet", 1)
    assert rows_of(data) == [
        {"姓名": "张三", "身份证号": "110105194912310020", "入院日期": "2026-10-03", "金额": "1234.5"}
    ]
    assert data["_row"].to_pylist() == [2]
    assert table.total_rows == [3]


def test_a_truncated_parquet_file_is_unreadable(tmp_path):
    path = tmp_path / "feed.parquet"
    pq.write_table(pa.table({"姓名": ["张三"] * 100, "金额": ["1"] * 100}), path)
    content = path.read_bytes()
    with pytest.raises(FileUnreadable, match="Parquet file is damaged"):
        open_table(write(tmp_path, content[: len(content) - 20], name="cut.parquet"))


def test_a_parquet_file_with_nested_columns_is_refused(tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"姓名": ["张三"], "家庭": [[1, 2]]}), path)
    with pytest.raises(FileUnreadable, match="家庭 hold lists"):
        open_table(path)


@pytest.mark.parametrize(
    ("rows", "index"),
    [
        ([["2026年10月低保名单"], ["填报单位：民政局", "", "", "", "", "填报日期：2026-11-01"],
          ["序号", "姓名", "身份证号", "类型", "金额", "日期"], ["1", "张三", "4501", "低保", "300", "2026-10-01"]], 2),
        ([["姓名", "身份证号", "1月", "2月", "3月"], ["张三", "4501", "1", "2", "3"]], 0),
        ([[], ["", "姓名", "金额"], ["", "张三", "1"]], 1),
    ],
)  # fmt: skip
def test_the_header_is_the_first_wide_mostly_text_row(rows, index):
    assert find_header_row(rows) == index


def test_data_without_a_header_row_is_not_taken_for_a_header():
    with pytest.raises(FileUnreadable, match="No header row"):
        find_header_row([["张三", "450123198005170034", "2026-10-03", "300"]] * 3)


def test_column_letters_follow_the_spreadsheet():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.binary(max_size=600) | st.binary(max_size=40).map(lambda b: b"PK\x03\x04" + b))
def test_arbitrary_bytes_give_batches_or_file_unreadable_never_a_crash(tmp_path, content):
    path = write(tmp_path, content, name="fuzz.bin")
    try:
        for batch in open_table(path).batches(batch_rows=7):
            assert batch.column_names[-3:] == ["_row", "_too_long", "_row_problem"]
    except FileUnreadable as error:
        assert error.message


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet=st.sampled_from('张三,"\n\r\t 合计1.-=x'), max_size=6), max_size=5),
        max_size=8,
    ),
    st.sampled_from(["utf-8", "gb18030"]),
)
def test_csv_like_text_gives_batches_or_file_unreadable_never_a_crash(tmp_path, rows, encoding):
    content = "姓名,金额\n" + "\n".join(",".join(row) for row in rows)
    path = write(tmp_path, content, name="fuzz.csv", encoding=encoding)
    try:
        table = open_table(path)
        data = list(table.batches(batch_rows=3))
        numbers = [n for b in data for n in b["_row"].to_pylist()]
        assert numbers == sorted(set(numbers))
    except FileUnreadable as error:
        assert error.message


def test_totals_in_full_width_letters_or_after_spaces_and_rows_of_unicode_spaces_are_dropped(tmp_path):
    lines = [
        HEADER,
        ROWS[0],
        "\u3000, \t,\u00a0,",
        ",ＴＯＴＡＬ,,9",
        "\u3000小计：,,,9",
        "12,Total,,1",
        ROWS[1],
    ]
    table, data = read_all(write(tmp_path, "\n".join(lines) + "\n"))
    assert data["_row"].to_pylist() == [2, 6, 7]  # "12" first: a record, even with Total after it
    assert table.total_rows == [4, 5]
