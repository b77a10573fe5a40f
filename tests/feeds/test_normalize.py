import datetime as dt
import re
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangpin.feeds.normalize import (
    normalize_codes,
    normalize_id_numbers,
    parse_amounts,
    parse_booleans,
    parse_dates,
    parse_integers,
    parse_months,
)
from fangpin.registry.id_numbers import InvalidIdNumber, check_character, normalize_id_number

VALID = "11010519491231002X"


def one(function, value, **options):
    values, errors = function(pa.array([value], pa.string()), **options)
    return values[0].as_py(), errors[0].as_py()


def scalar(text):
    try:
        return normalize_id_number(text), None
    except InvalidIdNumber as error:
        return None, str(error)


# --- ID numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        "11010519491231002x",  # lower-case x
        " 110105 19491231 002X ",  # spaces, also inside
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "110105\u300019491231002X",  # ideographic space
        "'11010519491231002X",  # Excel's text apostrophe
    ],
)
def test_unambiguous_id_number_repairs_give_the_canonical_form(text):
    assert one(normalize_id_numbers, text) == (VALID, None)


def test_an_old_15_digit_id_number_gets_19_before_the_year_and_a_computed_check_digit():
    assert one(normalize_id_numbers, "110105491231002") == (VALID, None)
    assert one(normalize_id_numbers, "110105491231002.0") == (VALID, None)  # as Excel writes the number


@pytest.mark.parametrize("text", ["4.50102E+17", "4.50102e17", "4.5010219900101E+17", "450102199001011000.0"])
def test_an_id_number_turned_into_a_number_by_excel_is_refused_because_digits_are_lost(text):
    value, error = one(normalize_id_numbers, text)
    assert value is None
    assert "Excel turned the ID number" in error and text in error


def test_an_id_number_missing_its_final_character_is_refused_not_guessed():
    value, error = one(normalize_id_numbers, VALID[:17])
    assert value is None
    assert "has 17 digits: the final character (a digit or X) is missing" in error


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("110105194912310021", "The check digit should be X, not 1"),
        ("11010519490230002X", "19490230 is not a real date of birth"),
        ("99010519491231002X", "99 is not a province code"),
        ("110105290012310025", "29001231 is not a possible date of birth"),
        ("1101051949123100", "has 18 characters; this one has 16"),
        ("1101051949123100AX", "17 digits followed by a digit or X"),
        ("990105491231002", "99 is not a province code"),  # an old number is checked after conversion
    ],
)
def test_wrong_id_numbers_give_the_same_reason_as_the_registry(text, reason):
    value, error = one(normalize_id_numbers, text)
    assert value is None
    assert reason in error


def test_blank_id_numbers_are_null_without_an_error():
    values, errors = normalize_id_numbers(pa.array([None, "", "  "], pa.string()))
    assert values.to_pylist() == [None, None, None]
    assert errors.to_pylist() == [None, None, None]


def test_a_birth_date_after_today_is_judged_against_the_given_day():
    assert one(normalize_id_numbers, "110105202611010012", today=dt.date(2026, 11, 1))[1] is None
    assert (
        "not a possible date"
        in one(normalize_id_numbers, "110105202611010012", today=dt.date(2026, 10, 31))[1]
    )


def test_rows_keep_their_order_when_clean_and_messy_numbers_are_mixed():
    values, errors = normalize_id_numbers(pa.array([VALID, "11010519491231002x", "bad", VALID, None]))
    assert values.to_pylist() == [VALID, VALID, None, VALID, None]
    assert [e is None for e in errors.to_pylist()] == [True, True, False, True, True]


@st.composite
def valid_id_numbers(draw):
    region = draw(st.sampled_from(["110105", "450123", "440524", "820000", "650102"]))
    born = draw(st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date.today()))
    body = region + born.strftime("%Y%m%d") + f"{draw(st.integers(0, 999)):03d}"
    return body + check_character(body)


@st.composite
def near_id_numbers(draw):
    """Valid numbers with typical typing mistakes: a changed, dropped or added character, spaces around."""
    text = list(draw(valid_id_numbers()))
    for _ in range(draw(st.integers(0, 2))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["change", "drop", "add"]))
        char = draw(st.sampled_from("0123456789XxAb-."))
        if action == "change" and position < len(text):
            text[position] = char
        elif action == "drop" and position < len(text):
            del text[position]
        else:
            text.insert(position, char)
    return draw(st.sampled_from(["", " ", "\t"])) + "".join(text) + draw(st.sampled_from(["", " "]))


def _repaired_by_fangpin_only(text):
    """Inputs where the vectorised normaliser deliberately does more than the registry's scalar check."""
    core = text.strip()
    return (
        not core
        or re.fullmatch(r"\d{15}|\d{17}", core) is not None
        or re.search(r"\s", core) is not None
        or re.fullmatch(r"[0-9]+(\.[0-9]*)?[eE]\+?[0-9]+|[0-9]{15,}\.[0-9]*", core) is not None
    )


@settings(max_examples=400)
@given(st.lists(near_id_numbers() | valid_id_numbers(), min_size=1, max_size=30))
def test_the_vectorised_id_check_agrees_with_the_registry_value_and_message(texts):
    texts = [t for t in texts if not _repaired_by_fangpin_only(t)]
    values, errors = normalize_id_numbers(pa.array(texts, pa.string()))
    assert list(zip(values.to_pylist(), errors.to_pylist(), strict=True)) == [scalar(t) for t in texts]


@settings(max_examples=300)
@given(st.lists(st.text(max_size=24) | st.none(), max_size=20))
def test_any_text_gives_a_canonical_number_or_a_reason_never_both(texts):
    values, errors = normalize_id_numbers(pa.array(texts, pa.string()))
    for text, value, error in zip(texts, values.to_pylist(), errors.to_pylist(), strict=True):
        assert value is None or error is None
        if value is not None:
            assert normalize_id_number(value) == value
        elif error is None:
            # Only an empty cell (blank, or nothing but Excel's ' text marker) has neither a number nor a reason.
            assert text is None or not text.strip().removeprefix("'").strip()


@given(valid_id_numbers(), st.booleans(), st.booleans())
def test_valid_numbers_survive_full_width_and_spaces(number, full_width, spaced):
    text = number.lower()
    if full_width:
        text = "".join(chr(ord(c) + 0xFEE0) for c in text)
    if spaced:
        text = f" {text[:6]} {text[6:14]} {text[14:]} "
    assert one(normalize_id_numbers, text) == (number, None)


# --- dates and months ---------------------------------------------------------------------------------

OCT_3 = dt.date(2026, 10, 3)


@pytest.mark.parametrize(
    "text",
    ["2026-10-03", "2026/10/3", "2026.10.3", "20261003", "2026年10月3日", "2026-10-03 00:00:00",
     "2026/10/3 14:30", " 2026-10-03 ", "２０２６-１０-０３", "46298", "46298.75"],
)  # fmt: skip
def test_the_date_forms_departments_use_are_read(text):
    assert one(parse_dates, text) == (OCT_3, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/10/2026", "is not a date: write it as YYYY-MM-DD"),  # day or month first: ambiguous
        ("2026-02-29", "is not a real date"),
        ("20260230", "is not a real date"),
        ("2026", "is not a date"),  # a year, not Excel's day 2026 (1905)
        ("202610", "is not a date"),
        ("99999", "after 2064"),
        ("9999", "is not a date"),
        ("tomorrow", "“tomorrow” is not a date"),
    ],
)
def test_ambiguous_or_impossible_dates_are_refused_with_the_value(text, reason):
    value, error = one(parse_dates, text)
    assert value is None
    assert reason in error


def test_an_eight_digit_number_is_a_compact_date_never_an_excel_day_number():
    assert one(parse_dates, "19491231") == (dt.date(1949, 12, 31), None)


def test_excel_day_numbers_count_from_1899_12_30():
    assert one(parse_dates, "10000") == (dt.date(1927, 5, 18), None)
    assert one(parse_dates, "60000") == (dt.date(2064, 4, 8), None)
    assert one(parse_dates, "45658") == (dt.date(2025, 1, 1), None)


@settings(max_examples=300)
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)), st.integers(0, 6))
def test_every_date_form_reads_back_the_date_written(day, form):
    text = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.isoformat()} 08:15:00",
        str((day - dt.date(1899, 12, 30)).days),
    ][form]
    if form == 6 and not dt.date(1927, 5, 18) <= day <= dt.date(2064, 4, 8):
        return  # Excel day numbers are only read in the five-digit range
    assert one(parse_dates, text) == (day, None)


def test_dates_keep_their_rows_when_clean_and_messy_forms_are_mixed():
    values, errors = parse_dates(pa.array(["2026-10-03", "bad", "2026/10/3", None, "2026-13-01"]))
    assert values.to_pylist() == [OCT_3, None, OCT_3, None, None]
    assert [e is None for e in errors.to_pylist()] == [True, False, True, True, False]


@pytest.mark.parametrize("text", ["2026-10", "2026/10", "202610", "2026年10月", "2026-10-17", "46298"])
def test_months_are_read_as_their_first_day(text):
    assert one(parse_months, text) == (dt.date(2026, 10, 1), None)


@pytest.mark.parametrize(("text", "reason"), [("2026-13", "not a real month"), ("10月", "not a month")])
def test_wrong_months_are_refused(text, reason):
    assert reason in one(parse_months, text)[1]


# --- numbers, booleans, codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.50", "1234.50"),
        ("1234.5元", "1234.50"),
        ("￥1,234", "1234.00"),
        ("¥ 1 234", "1234.00"),
        ("  12 ", "12.00"),
        ("１２３.４", "123.40"),
        ("-5", "-5.00"),
        ("(12.50)", "-12.50"),
        (".5", "0.50"),
        ("0.005", "0.01"),  # 四舍五入 to the fen
        ("-0.005", "-0.01"),
        ("2.344999", "2.34"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_amounts_are_decimal_yuan_rounded_to_the_fen(text, amount):
    assert one(parse_amounts, text) == (Decimal(amount), None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "“abc” is not an amount"),
        ("1.2.3", "“1.2.3” is not an amount"),
        ("1,23", "is not an amount"),  # not a thousands separator
        ("1.5万", "is not an amount"),
        ("1000000000000", "too large"),
        ("999999999999.995", "too large"),
    ],
)
def test_text_that_is_not_an_amount_is_refused_with_the_value(text, reason):
    value, error = one(parse_amounts, text)
    assert value is None
    assert reason in error


def test_amounts_are_decimal128_14_2():
    values, _errors = parse_amounts(pa.array(["1", "x"]))
    assert values.type == pa.decimal128(14, 2)


def test_a_huge_cell_is_quoted_shortened_in_the_message():
    _value, error = one(parse_amounts, "x" * 100_000)
    assert len(error) < 200 and "…" in error


@pytest.mark.parametrize(
    ("text", "number"), [("12", 12), (" 1,234 ", 1234), ("12.0", 12), ("-3", -3), ("３", 3)]
)
def test_whole_numbers_are_read(text, number):
    assert one(parse_integers, text) == (number, None)


@pytest.mark.parametrize("text", ["12.5", "x", "1e3", "1" * 16])
def test_text_that_is_not_a_whole_number_is_refused(text):
    value, error = one(parse_integers, text)
    assert value is None and error


@pytest.mark.parametrize(
    ("text", "answer"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("TRUE", True),
     ("false", False), ("√", True), ("×", False)],
)  # fmt: skip
def test_yes_and_no_are_read_in_their_usual_spellings(text, answer):
    assert one(parse_booleans, text) == (answer, None)


def test_an_unknown_yes_or_no_is_refused():
    assert "“也许” is not a yes or no" in one(parse_booleans, "也许")[1]


def test_codes_are_mapped_to_their_canonical_value_ignoring_width_case_and_spaces():
    allowed = {"A级": "A", "B级": "B", "低保": "低保", "农村低保": "低保"}
    values, errors = normalize_codes(pa.array(["A级", "ａ级", " b级 ", "农村 低保", "a", None]), allowed)
    assert values.to_pylist() == ["A", "A", "B", "低保", "A", None]
    assert errors.to_pylist() == [None] * 6


def test_numeric_codes_shortened_by_excel_get_their_leading_zeros_back():
    values, errors = normalize_codes(pa.array(["201", "201.0", "0299", "2"]), ["0201", "0299"])
    assert values.to_pylist() == ["0201", "0201", "0299", None]
    assert errors[3].as_py() == "“2” is not one of the allowed values: 0201, 0299."


def test_fixed_shapes_are_checked_character_by_character():
    from fangpin.feeds.normalize import fixed_shape

    values = pa.array(
        ["2026-10-03", "2026/10/03", "2026-1-03", None, "２026-10-03", "abcdef0123", "2026-10-0X"]
    )
    assert fixed_shape(values, "9999-99-99").tolist() == [True, False, False, False, False, False, False]
    assert fixed_shape(values, "hhhhhhhhhh").tolist() == [False, False, False, False, False, True, False]
    assert fixed_shape(values, "9999-99-9X").tolist() == [True, False, False, False, False, False, True]
    assert fixed_shape(pa.array([], pa.string()), "99").tolist() == []


def test_first_bytes_are_read_from_the_buffers_of_sliced_arrays_too():
    from fangpin.feeds.normalize import first_bytes

    values = pa.array(["x", "=1", "", None, "中", "@a"]).slice(1)
    assert first_bytes(values).tolist() == [ord("="), 0, 0, 0xE4, ord("@")]
