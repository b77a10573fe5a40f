import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest
from django.utils import translation

from fangpin.core.errors import ValidationError
from fangpin.feeds.readers import open_table
from fangpin.feeds.schema import default_schemas, load_schema
from fangpin.feeds.validate import INVALID_SCHEMA, map_headers, validate_batch

TODAY = dt.date(2026, 11, 25)
VALID_ID = "11010519491231002X"
OTHER_ID = "450123198005170034"

SCHEMA = load_schema(
    {
        "source": "test",
        "department": "测试",
        "name_zh": "测试",
        "name_en": "Test",
        "version": 1,
        "period_column": "paid_on",
        "key": ["id_number", "paid_on"],
        "match": {"id_number": "id_number", "name": "name"},
        "columns": [
            {"name": "id_number", "label_zh": "身份证号", "label_en": "ID number", "type": "id_number",
             "required": True, "aliases": ["身份证号码", "证件号码"]},
            {"name": "name", "label_zh": "姓名", "label_en": "Name", "type": "text", "required": True},
            {"name": "kind", "label_zh": "救助类型", "label_en": "Kind", "type": "code",
             "codes": {"低保": "低保", "农村低保": "低保", "特困": "特困"}},
            {"name": "amount", "label_zh": "金额", "label_en": "Amount", "type": "amount"},
            {"name": "people", "label_zh": "人数", "label_en": "People", "type": "integer", "min": 1, "max": 9},
            {"name": "paid_on", "label_zh": "发放日期", "label_en": "Paid on", "type": "date", "required": True,
             "not_future": True},
            {"name": "month", "label_zh": "月份", "label_en": "Month", "type": "month", "not_future": True},
            {"name": "is_new", "label_zh": "是否新增", "label_en": "New", "type": "boolean"},
        ],
    }
)  # fmt: skip
HEADERS = ["身份证号码", "姓名", "救助类型", "金额", "人数", "发放日期"]


def batch(*rows, headers=HEADERS, first_row=2, **extra):
    columns = {h: pa.array([r[i] for r in rows], pa.string()) for i, h in enumerate(headers)}
    columns["_row"] = pa.array(range(first_row, first_row + len(rows)), pa.int64())
    columns["_too_long"] = pa.array(extra.get("too_long", [None] * len(rows)), pa.list_(pa.string()))
    columns["_row_problem"] = pa.array(extra.get("problems", [None] * len(rows)), pa.string())
    return pa.table(columns)


def check(*rows, **extra):
    return validate_batch(batch(*rows, **extra), SCHEMA, map_headers(HEADERS, SCHEMA), today=TODAY)


def problems(result):
    return [(r["_row"], r["column"], r["code"]) for r in result.invalid.to_pylist()]


GOOD = [VALID_ID, "张三", "农村低保", "1,234.50", "3", "2026/10/3"]


# --- header mapping -----------------------------------------------------------------------------------


def test_headers_map_by_label_alias_or_name_ignoring_width_case_and_spaces():
    mapping = map_headers(["*身份证 号码", "ＮＡＭＥ", "amount", "发放日期：", "序号", "备注"], SCHEMA)
    assert mapping.columns == {
        "*身份证 号码": "id_number",
        "ＮＡＭＥ": "name",
        "amount": "amount",
        "发放日期：": "paid_on",
    }
    assert mapping.unknown_headers == ["备注"]
    assert mapping.ignored_headers == ["序号"]  # the running number of every form
    assert mapping.missing_required == []
    assert mapping.is_complete


def test_missing_required_columns_are_listed():
    mapping = map_headers(["姓名", "金额"], SCHEMA)
    assert mapping.missing_required == ["id_number", "paid_on"]
    assert not mapping.is_complete


def test_an_officers_remembered_mapping_comes_first_and_can_ignore_a_header():
    remembered = {"保障对象证件": "id_number", "发放日期": "month", "备注": "", "旧列": "no_such_column"}
    mapping = map_headers(["保障对象证件", "姓名", "发放日期", "备注", "旧列"], SCHEMA, remembered)
    assert mapping.columns == {"保障对象证件": "id_number", "姓名": "name", "发放日期": "month"}
    assert mapping.ignored_headers == ["备注"]
    assert mapping.unknown_headers == ["旧列"]  # a remembered column that no longer exists is not used
    assert mapping.missing_required == ["paid_on"]


def test_two_headers_for_one_column_are_a_conflict_not_a_silent_choice():
    mapping = map_headers(["身份证号", "身份证号码", "姓名", "发放日期"], SCHEMA)
    assert mapping.columns["身份证号"] == "id_number"
    assert mapping.conflicting_headers == {"身份证号码": "id_number"}
    with pytest.raises(ValidationError, match="身份证号码"):
        validate_batch(batch(GOOD), SCHEMA, mapping, today=TODAY)


def test_validation_refuses_a_mapping_without_the_required_columns():
    with pytest.raises(
        ValidationError, match="required columns have no header in the file: ID number, Paid on"
    ):
        validate_batch(batch(["张三"], headers=["姓名"]), SCHEMA, map_headers(["姓名"], SCHEMA), today=TODAY)


# --- rows ---------------------------------------------------------------------------------------------


def test_good_rows_come_out_typed_and_named_by_the_schema():
    result = check(GOOD)
    assert result.invalid.num_rows == 0
    assert result.valid.to_pylist() == [
        {"id_number": VALID_ID, "name": "张三", "kind": "低保", "amount": Decimal("1234.50"), "people": 3,
         "paid_on": dt.date(2026, 10, 3), "month": None, "is_new": None, "_row": 2}
    ]  # fmt: skip
    assert result.valid.schema.field("amount").type == pa.decimal128(14, 2)
    assert result.valid.schema.field("paid_on").type == pa.date32()


def test_each_problem_is_one_invalid_row_with_column_header_value_code_and_message():
    bad = ["4.50102E+17", "李四", "五保", "abc", "0", "2026-10-03"]
    result = check(GOOD, bad)
    assert result.valid["_row"].to_pylist() == [2]
    assert result.invalid.schema == INVALID_SCHEMA
    rows = result.invalid.to_pylist()
    assert [(r["_row"], r["column"], r["header"], r["value"], r["code"]) for r in rows] == [
        (3, "id_number", "身份证号码", "4.50102E+17", "invalid_id_number"),
        (3, "kind", "救助类型", "五保", "unknown_code"),
        (3, "amount", "金额", "abc", "invalid_amount"),
        (3, "people", "人数", "0", "below_min"),
    ]
    assert "Excel turned the ID number" in rows[0]["message"]
    assert rows[1]["message"] == "“五保” is not one of the allowed values: 低保, 特困."
    assert rows[3]["message"] == "“0” is below the smallest allowed value, 1."
    assert json.loads(rows[0]["raw"]) == [list(pair) for pair in zip(HEADERS, bad, strict=True)]


def test_only_the_first_problem_of_a_cell_is_reported():
    result = check([VALID_ID, "张三", None, "=1+1", None, "2026-10-03"])
    assert problems(result) == [(2, "amount", "formula")]


def test_required_cells_must_not_be_empty():
    result = check(["", "  ", None, None, None, "2026-10-03"])
    assert problems(result) == [(2, "id_number", "required"), (2, "name", "required")]
    assert result.invalid["message"][1].as_py() == "Name is required, but this cell is empty."


def test_messages_follow_the_active_language_for_labels():
    with translation.override("zh-hans"):
        result = check(["", "张三", None, None, None, "2026-10-03"])
    assert "身份证号" in result.invalid["message"][0].as_py()


def test_dates_and_months_after_today_are_refused_where_the_schema_says_so():
    result = check(
        [VALID_ID, "张三", None, None, None, "2026-11-26"], [VALID_ID, "王五", None, None, None, "2026-11-25"]
    )
    assert problems(result) == [(2, "paid_on", "future")]
    assert "“2026-11-26” is in the future" in result.invalid["message"][0].as_py()


def test_a_negative_amount_is_refused_but_a_minus_sign_is_not_taken_for_a_formula():
    result = check([VALID_ID, "张三", None, "-5", None, "2026-10-03"])
    assert problems(result) == [(2, "amount", "negative")]
    assert result.invalid["message"][0].as_py() == "“-5” is negative: this amount cannot be below zero."


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+86 555", "-1+2", "@SUM(A1)"])
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_refused(text):
    result = check([VALID_ID, text, None, None, None, "2026-10-03"])
    assert problems(result) == [(2, "name", "formula")]
    assert f"starts with “{text[0]}” (a spreadsheet formula)" in result.invalid["message"][0].as_py()


def test_a_lone_dash_meaning_none_is_not_a_formula():
    assert check([VALID_ID, "张三", None, None, "-", "2026-10-03"]).invalid["code"].to_pylist() == [
        "invalid_integer"
    ]
    assert check([VALID_ID, "-", None, None, None, "2026-10-03"]).invalid.num_rows == 0


def test_excels_text_trick_for_leading_zeros_is_read_as_the_text():
    result = check([f'="{VALID_ID}"', "张三", None, None, '="3"', "2026-10-03"])
    assert result.invalid.num_rows == 0
    assert result.valid["id_number"][0].as_py() == VALID_ID


def test_a_cell_the_reader_cut_is_reported_as_too_long():
    result = check([VALID_ID, "张" * 10, None, None, None, "2026-10-03"], too_long=[["姓名"]])
    assert problems(result) == [(2, "name", "too_long")]
    assert "This cell is too long (over 100000 bytes)" in result.invalid["message"][0].as_py()


def test_a_row_problem_found_by_the_reader_makes_the_row_invalid():
    result = check(
        GOOD, problems=["This row has more cells than the header row: “x” are beyond the last column."]
    )
    assert problems(result) == [(2, "", "row_shape")]
    assert result.valid.num_rows == 0


def test_a_repeated_key_makes_the_second_and_later_rows_duplicates_of_the_first():
    other = [OTHER_ID, "李四", None, None, None, "2026-10-03"]
    again = [
        VALID_ID.lower(),
        "张三",
        "低保",
        "9",
        None,
        "2026-10-03",
    ]  # the same person and date, written differently
    result = check(GOOD, other, again, again)
    assert result.valid["_row"].to_pylist() == [2, 3]
    assert problems(result) == [(4, "id_number,paid_on", "duplicate"), (5, "id_number,paid_on", "duplicate")]
    assert result.invalid["message"][0].as_py() == "This row repeats row 2: the same ID number, Paid on."


def test_a_wrong_row_does_not_make_a_later_correct_row_a_duplicate():
    wrong = [VALID_ID, "张三", "五保", None, None, "2026-10-03"]
    result = check(wrong, GOOD)
    assert result.valid["_row"].to_pylist() == [3]
    assert problems(result) == [(2, "kind", "unknown_code")]


def test_an_empty_batch_gives_empty_tables():
    result = check()
    assert result.valid.num_rows == 0 and result.invalid.num_rows == 0
    assert result.valid.column_names[-1] == "_row"


def test_a_department_file_goes_from_reader_to_typed_rows_and_row_errors(tmp_path):
    health = next(s for s in default_schemas() if s.source == "health")
    lines = [
        "2026年10月住院结算明细",
        "填报单位：安宁县医保局,,,,,,,,,填报日期：2026-11-01",
        "序号,患者姓名,身份证号码,定点医疗机构,入院日期,出院日期,结算日期,总费用,统筹支付,个人自付",
        f'1,张三,{VALID_ID.lower()},县人民医院,2026/10/3,2026-10-10,20261011,"1,234.50",1000,234.5元',
        "2,李四,4.50123E+17,县人民医院,2026-10-03,2026-10-10,46306,100,50,50",
        f"3,王五,{OTHER_ID},县人民医院,2026-10-03,,2026-10-11,abc,50,50",
        '合计,,,,,,,"1,334.50",,',
    ]
    path = tmp_path / "医保.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    raw = open_table(path)
    mapping = map_headers(raw.headers, health)
    assert mapping.is_complete and mapping.unknown_headers == []
    results = [validate_batch(b, health, mapping, today=TODAY) for b in raw.batches()]
    valid = pa.concat_tables([r.valid for r in results])
    invalid = pa.concat_tables([r.invalid for r in results])
    assert valid.select(["_row", "id_number", "total_cost", "out_of_pocket", "settlement_date"]).to_pylist() == [
        {"_row": 4, "id_number": VALID_ID, "total_cost": Decimal("1234.50"), "out_of_pocket": Decimal("234.50"),
         "settlement_date": dt.date(2026, 10, 11)}
    ]  # fmt: skip
    assert [(r["_row"], r["header"], r["code"]) for r in invalid.to_pylist()] == [
        (5, "身份证号码", "invalid_id_number"),
        (6, "总费用", "invalid_amount"),
    ]
    assert raw.total_rows == [7]
