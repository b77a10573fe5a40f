import datetime as dt
import io
import itertools
import zipfile

import openpyxl
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangpin.feeds import xlsx
from fangpin.feeds.xlsx import XlsxError, format_kind, open_sheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook_bytes(sheets, *, strings="", styles="", date1904=False, prefix="", sheet_xml=None) -> bytes:
    """An XLSX built from XML parts, for what openpyxl does not write: `sheets` holds (name, state, sheetData
    content); `sheet_xml` replaces the first worksheet part whole (to damage it)."""
    p = f"{prefix}:" if prefix else ""
    main = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{RELS}/officeDocument"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"{f" state={state!r}" if state else ""}/>'
            for i, (name, state, _data) in enumerate(sheets)
        )
        properties = '<workbookPr date1904="1"/>' if date1904 else ""
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{properties}<sheets>{entries}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{RELS}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        links += f'<Relationship Id="rS" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        links += f'<Relationship Id="rT" Type="{RELS}/styles" Target="/xl/styles.xml"/>'
        book.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PACKAGE}">{links}</Relationships>'
        )
        for i, (_name, _state, data) in enumerate(sheets):
            xml = f'<?xml version="1.0"?>\n<{p}worksheet {main}><{p}sheetData>{data}</{p}sheetData></{p}worksheet>'
            book.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheet_xml if sheet_xml and i == 0 else xml)
        book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
        book.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
    return buffer.getvalue()


def write(tmp_path, content: bytes, name="book.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def cells_of(path) -> dict[tuple[int, int], str]:
    """(row, column) → text of every filled cell of the sheet open_sheet picks; column 0 is A."""
    sheet = open_sheet(path)
    assert sheet is not None
    found = {}
    for cells in sheet.chunks:
        for row, column, text in zip(cells.row, cells.column, cells.text.to_pylist(), strict=True):
            found[(int(row), int(column))] = text
    return found


def calamine_cells(path) -> dict[tuple[int, int], str]:
    """The same read through python-calamine, which loads the sheet whole: the oracle for cell texts."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_index(0)
    first = sheet.start[1] if sheet.start else 0
    return {
        (r + 1, c + first): xlsx.cell_text(value)
        for r, row in enumerate(sheet.iter_rows())
        for c, value in enumerate(row)
        if xlsx.cell_text(value) != ""
    }


STYLES = (
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="31"/>'
    '<xf numFmtId="22"/><xf numFmtId="165"/></cellXfs>'
)


def test_shared_inline_and_formula_strings_read_as_their_text(tmp_path):
    strings = (
        "<si><t>张三&amp;李四</t></si>"
        '<si><r><rPr><b/></rPr><t>粗</t></r><r><t xml:space="preserve"> 细 </t></r></si>'  # rich text
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>'  # a phonetic guide is not the text
        "<si><t>第一行_x000D_第二行</t></si>"  # Excel's escape of a carriage return
    )
    data = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>内联 &lt;文本&gt;</t></is></c>'
        '<c r="B2" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>'
        '<c r="C2" t="str"><f>A1&amp;"x"</f><v>张三&amp;李四x</v></c>'
        '<c r="D2"><f>1+1</f></c></row>'  # a formula never calculated shows nothing
    )
    path = write(tmp_path, workbook_bytes([("表", None, data)], strings=strings))
    assert cells_of(path) == {
        (1, 0): "张三&李四",
        (1, 1): "粗 细 ",
        (1, 2): "漢字",
        (1, 3): "第一行\r第二行",
        (2, 0): "内联 <文本>",
        (2, 1): "富文本",
        (2, 2): "张三&李四x",
    }
    assert cells_of(path) == calamine_cells(path)


def test_missing_cells_and_rows_keep_their_places_and_unnumbered_ones_follow_the_last(tmp_path):
    data = (
        '<row r="2"><c r="B2"><v>1</v></c><c r="D2"><v>2</v></c><c r="E2" s="0"/></row>'
        '<row r="5" spans="1:3"><c r="C5" t="s"><v>0</v></c></row>'
        "<row><c><v>3</v></c><c><v>4</v></c></row>"  # neither the row nor its cells say where they are
        '<row r="9"><c r="B9"><v>5</v></c><c><v>6</v></c></row>'
    )
    path = write(tmp_path, workbook_bytes([("表", None, data)], strings="<si><t>五</t></si>"))
    assert cells_of(path) == {
        (2, 1): "1",
        (2, 3): "2",
        (5, 2): "五",
        (6, 0): "3",
        (6, 1): "4",
        (9, 1): "5",
        (9, 2): "6",
    }
    assert cells_of(path) == calamine_cells(path)


@pytest.mark.parametrize(("date1904", "date"), [(False, "2023-03-15"), (True, "2027-03-16")])
def test_dates_follow_the_number_format_and_the_workbook_date_system(tmp_path, date1904, date):
    data = (
        '<row r="1"><c r="A1" s="1"><v>45000</v></c><c r="B1" s="2"><v>45000</v></c>'
        '<c r="C1" s="3"><v>45000</v></c><c r="D1" s="4"><v>45000.604166666664</v></c>'
        '<c r="E1" s="4"><v>0.75</v></c><c r="F1" s="5"><v>1.75</v></c><c r="G1" s="0"><v>45000</v></c>'
        '<c r="H1"><v>45000</v></c><c r="I1" s="9"><v>45000</v></c></row>'  # no such style: a number
    )
    path = write(tmp_path, workbook_bytes([("表", None, data)], styles=STYLES, date1904=date1904))
    found = cells_of(path)
    assert [found[(1, c)] for c in range(4)] == [date, date, date, f"{date} 14:30:00"]
    assert found[(1, 4)] == "18:00:00"  # below 1: a time of day
    assert found[(1, 5)] == "1 day, 18:00:00"  # [h]:mm is elapsed time
    assert [found[(1, c)] for c in (6, 7, 8)] == ["45000"] * 3
    assert found == calamine_cells(path)


def test_serials_before_march_1900_allow_for_the_day_excel_invents():
    def text(serial):
        return xlsx.cell_text(xlsx.serial_value(serial, xlsx.DATE, is_1904=False))

    # Excel counts a 29 February 1900; calamine (and so fangpin) reads 59 and 60 both as 28 February.
    assert [text(s) for s in (1.0, 59.0, 60.0, 61.0)] == [
        "1900-01-01",
        "1900-02-28",
        "1900-02-28",
        "1900-03-01",
    ]
    assert text(3e6) == "3000000"  # past 9999: the number itself
    assert xlsx.serial_value(1e300, xlsx.DURATION, is_1904=False) == 1e300  # calamine panics on this one


def test_booleans_errors_and_numbers_read_as_excel_shows_them(tmp_path):
    values = [
        ('t="b"', "1"),
        ('t="b"', "0"),
        ('t="e"', "#N/A"),
        ("", "12"),
        ("", "1234.50"),
        ('t="n"', "4.5010219900101101E+17"),
        ("", "0.30000000000000004"),
        ("", "-0"),
        ("", "1E+20"),
        ("", "0.00001"),
        ("", " 12 "),  # not a number to calamine: kept as text
    ]
    data = '<row r="1">' + "".join(
        f'<c r="{xlsx_column(i)}1" {kind}><v>{value}</v></c>' for i, (kind, value) in enumerate(values)
    )
    path = write(tmp_path, workbook_bytes([("表", None, data + "</row>")]))
    found = cells_of(path)
    assert [found.get((1, i), "") for i in range(len(values))] == [
        "TRUE",
        "FALSE",
        "",  # calamine reads an error as an empty cell
        "12",
        "1234.5",
        "4.50102199001011e+17",  # 15 significant digits: the lost digits of an ID number show
        "0.3",
        "0",
        "1e+20",
        "1e-05",
        " 12 ",
    ]
    assert found == calamine_cells(path)


def xlsx_column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("yyyy-mm-dd", xlsx.DATE),
        ('yyyy"年"m"月"d"日"', xlsx.DATE),
        ("H:MM:SS;@", xlsx.DATE),
        ("[$-F800]dddd, mmmm dd, yyyy", xlsx.DATE),
        ("h AM/PM", xlsx.DATE),
        ("[h]:mm:ss", xlsx.DURATION),
        ("[mm]", xlsx.DURATION),
        ('0.00"d"', xlsx.NUMBER),  # quoted text is not a format letter
        ("#,##0*y", xlsx.NUMBER),  # nor the character a * repeats
        ("\\Y000000", xlsx.NUMBER),  # nor an escaped one
        ("[Red]0.00", xlsx.NUMBER),  # nor a colour
        ("0.00;[Red]-0.00;yyyy", xlsx.NUMBER),  # only the first section counts
        ("General", xlsx.NUMBER),
        ("@", xlsx.NUMBER),
    ],
)
def test_a_custom_number_format_is_a_date_when_its_first_section_has_date_letters(code, kind):
    assert format_kind(code) == kind


def test_the_first_visible_worksheet_with_a_filled_cell_is_read(tmp_path):
    content = workbook_bytes(
        [
            ("说明", "hidden", '<row r="1"><c r="A1" t="inlineStr"><is><t>隐藏</t></is></c></row>'),
            ("空表", None, '<row r="1"><c r="A1" s="1"/></row><row r="2" ht="20"/>'),
            ("数据", None, '<row r="3"><c r="B3" t="inlineStr"><is><t>张三</t></is></c></row>'),
        ]
    )
    sheet = open_sheet(write(tmp_path, content))
    assert sheet is not None and sheet.name == "数据"
    assert cells_of(tmp_path / "book.xlsx") == {(3, 1): "张三"}


def test_a_workbook_without_a_filled_cell_has_no_sheet(tmp_path):
    content = workbook_bytes(
        [("空", None, ""), ("隐藏", "veryHidden", '<row r="1"><c r="A1"><v>1</v></c></row>')]
    )
    assert open_sheet(write(tmp_path, content)) is None


def test_a_worksheet_written_with_a_namespace_prefix_is_read(tmp_path):
    data = '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>甲</x:t></x:is></x:c><x:c r="B1"><x:v>2</x:v></x:c></x:row>'
    path = write(tmp_path, workbook_bytes([("表", None, data)], prefix="x"))
    assert cells_of(path) == {(1, 0): "甲", (1, 1): "2"}


def big_sheet(rows: int) -> str:
    return "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>{n % 3}</v></c><c r="B{n}"><v>{n}.5</v></c></row>'
        for n in range(1, rows + 1)
    )


def test_a_large_sheet_comes_in_chunks_of_whole_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 4096)
    strings = "<si><t>甲</t></si><si><t>乙</t></si><si><t>丙</t></si>"
    path = write(tmp_path, workbook_bytes([("表", None, big_sheet(3000))], strings=strings))
    sheet = open_sheet(path)
    assert sheet is not None
    chunks = list(sheet.chunks)
    assert len(chunks) > 20
    assert all(len(c) <= 3 * 4096 // 50 for c in chunks)  # a cell takes about 50 bytes of XML here
    assert all(c.row.max() < d.row.min() for c, d in itertools.pairwise(chunks))  # whole rows, in order
    assert cells_of(path) == {
        **{(n, 0): "甲乙丙"[n % 3] for n in range(1, 3001)},
        **{(n, 1): f"{n}.5" for n in range(1, 3001)},
    }


def test_chunks_read_without_the_fast_grammar_give_the_same_cells(tmp_path, monkeypatch):
    """The bulk reading is an optimisation: ElementTree on every chunk must give the very same cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "金额", "日期", "是否", "备注"])
    for n in range(200):
        sheet.append(
            [f"人{n}", n * 1.25, dt.date(2026, 1, 1) + dt.timedelta(days=n), n % 2 == 0, "a&b<c>" * (n % 3)]
        )
    sheet["F7"] = "=A2&B2"
    workbook.save(tmp_path / "book.xlsx")
    fast = cells_of(tmp_path / "book.xlsx")
    monkeypatch.setattr(xlsx._SheetReader, "_cells", xlsx._SheetReader._exact)
    assert cells_of(tmp_path / "book.xlsx") == fast
    assert fast == calamine_cells(tmp_path / "book.xlsx")


TEXT = st.text(alphabet=st.sampled_from("张三李四 &<>\"'\n\t_x0D1.-=AaTRUE合计"), max_size=12)
VALUES = st.one_of(
    st.none(),
    TEXT,
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.lists(VALUES, max_size=7), min_size=1, max_size=12), st.booleans())
def test_any_sheet_reads_as_calamine_reads_it(tmp_path, rows, date1904):
    workbook = openpyxl.Workbook()
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / "any.xlsx"
    workbook.save(path)
    expected = calamine_cells(path)
    sheet = open_sheet(path)
    if sheet is None:
        assert expected == {}
    else:
        assert cells_of(path) == expected


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


RUN = st.tuples(st.text(alphabet=st.sampled_from("甲乙 \t\n&<_x0D1"), max_size=5), st.booleans())


def string_xml(runs: list[tuple[str, bool]], rich: bool) -> str:
    """<t> elements (xml:space="preserve" or not), in <r> runs when rich."""
    items = [
        f"<t{' xml:space=' + chr(34) + 'preserve' + chr(34) if keep else ''}>{escape(text)}</t>"
        for text, keep in runs
    ]
    return "".join(f"<r>{item}</r>" for item in items) if rich else items[0]


CELL_XML = st.one_of(
    st.tuples(st.just("s"), st.integers(min_value=0, max_value=4)),
    st.tuples(st.just("inlineStr"), st.tuples(st.lists(RUN, min_size=1, max_size=3), st.booleans())),
    st.tuples(st.just("str"), st.text(alphabet=st.sampled_from("丙 &<>\n1"), max_size=4)),
    st.tuples(st.just("b"), st.sampled_from(["0", "1"])),
    st.tuples(st.just("e"), st.sampled_from(["#N/A", "#DIV/0!"])),
    st.tuples(
        st.sampled_from(["", "n"]),
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False).map(repr),
            st.integers(min_value=-(10**18), max_value=10**18).map(str),
            st.sampled_from(["1E+20", "-0", "0.0001", "60", "45000.5", "1.5e-7"]),
        ),
    ),
)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.lists(st.tuples(st.lists(RUN, min_size=1, max_size=3), st.booleans()), min_size=5, max_size=5),
    st.lists(st.tuples(st.booleans(), st.lists(st.tuples(CELL_XML, st.integers(0, 6), st.booleans()), max_size=6)), min_size=1, max_size=6),
    st.booleans(),
)  # fmt: skip
def test_any_cell_xml_reads_as_calamine_reads_it(tmp_path, strings, rows, date1904):
    """Shared strings (rich or not), every cell type, styles (dates, elapsed time) and cells or rows that do
    not say where they are: the texts are calamine's."""
    table = "".join(f"<si>{string_xml(runs, rich)}</si>" for runs, rich in strings)
    lines = []
    for number, (numbered, cells) in enumerate(rows, start=1):
        items = []
        for column, ((kind, value), style, gap) in enumerate(cells):
            where = f' r="{xlsx_column(2 * column + gap)}{number}"' if numbered else ""
            typ = f' t="{kind}"' if kind else ""
            if kind == "inlineStr":
                runs, rich = value
                body = f"<is>{string_xml(runs, rich)}</is>"
            else:
                body = f"<v>{escape(str(value))}</v>"
                if kind in ("", "n") and abs(float(value)) > 1e9:
                    style = 0  # calamine panics on a huge number under an elapsed-time format
            items.append(f'<c{where} s="{style}"{typ}>{body}</c>')
        lines.append(f"<row{f' r={chr(34)}{number}{chr(34)}' if numbered else ''}>{''.join(items)}</row>")
    content = workbook_bytes([("表", None, "".join(lines))], strings=table, styles=STYLES, date1904=date1904)
    path = write(tmp_path, content, "cells.xlsx")
    expected = calamine_cells(path)
    assert (cells_of(path) if open_sheet(path) else {}) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "zip file"),
        (workbook_bytes([("表", None, "")])[:300], "zip file"),  # cut off: no central directory
    ],
)
def test_what_is_not_a_whole_zip_is_an_error(tmp_path, content, message):
    with pytest.raises(XlsxError, match=message):
        open_sheet(write(tmp_path, content))


def test_a_zip_without_a_workbook_is_an_error(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(XlsxError, match="not an XLSX workbook"):
        open_sheet(write(tmp_path, buffer.getvalue()))


@pytest.mark.parametrize(
    ("sheet_xml", "message"),
    [
        (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></x></row></sheetData></worksheet>', "not well-formed"),
        (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2">', "cut off"),
        (f'<worksheet xmlns="{MAIN}"><sheetPr/>', "no <sheetData> element"),
        (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="str"><v>a & b</v></c></row></sheetData></worksheet>', "broken reference"),
        (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData></worksheet>', "shared string"),
        (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="1A"><v>1</v></c></row></sheetData></worksheet>', "not a cell reference"),
    ],
)  # fmt: skip
def test_damaged_worksheet_xml_is_an_error_not_a_crash(tmp_path, sheet_xml, message):
    path = write(tmp_path, workbook_bytes([("表", None, "")], sheet_xml=sheet_xml))
    with pytest.raises(XlsxError, match=message):
        cells_of(path)


def test_shared_strings_cut_off_are_an_error(tmp_path):
    content = workbook_bytes(
        [("表", None, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')], strings="<si><t>甲</t></si>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as old, zipfile.ZipFile(buffer, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(
                item, data[: data.index(b"</si>")] if item.filename.endswith("sharedStrings.xml") else data
            )
    with pytest.raises(XlsxError, match="cut off"):
        cells_of(write(tmp_path, buffer.getvalue()))


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=40),
    st.text(alphabet="<>/&\"'= rctvs1A;", max_size=6),
)
def test_damaged_xml_gives_cells_or_an_error_never_a_crash(tmp_path, start, length, insert):
    data = (
        big_sheet(60)
        + '<row r="61"><c r="A61" t="inlineStr"><is><t>内联</t></is></c><c r="B61" t="str"><f>1</f><v>x</v></c></row>'
    )
    start %= len(data)
    strings = "<si><t>甲</t></si><si><r><t>乙</t></r></si><si><t>丙</t></si>"
    path = write(
        tmp_path,
        workbook_bytes([("表", None, data[:start] + insert + data[start + length :])], strings=strings),
    )
    try:
        sheet = open_sheet(path)
        for cells in sheet.chunks if sheet else []:
            assert len(cells.row) == len(cells.column) == len(cells.text)
    except XlsxError as error:
        assert str(error)
