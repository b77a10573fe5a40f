"""Department officers' real journeys with their files, in a real browser (issue 4): Playwright driving Debian's
Chromium against the live server, in the Chinese interface (see tests/web/test_browser.py for why the browser is
not downloaded).

The 卫健 officer uploads a file fangpin has never seen (GBK, a title row, a total row, a header no schema spells
and the usual defects), says which column the unknown header is, downloads the invalid rows, corrects them and
uploads them again, then uploads the first file once more (a no-op). The 残联 officer imports an Excel file and
cannot see 卫健's imports; the township officer settles the row that could be about two people. The county bureau
imports every department's file as the simulated county writes it. Empty, binary and cut-off files are refused
with a reason and leave nothing behind. With FANGPIN_SCREENSHOTS set, each step is saved there as a PNG.
"""

import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, Page, expect

from fangpin.accounts.roles import Role
from fangpin.core.crypto import decrypt_text
from fangpin.feeds import store
from fangpin.feeds.exports import PROBLEMS_HEADER
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, HeaderMapping, RowStatus
from fangpin.feeds.readers import open_table
from fangpin.feeds.schema import default_schemas
from fangpin.feeds.services import feed_schemas_install_defaults
from fangpin.registry.id_numbers import mask_id_number
from fangpin.simulation.feed_files import FeedFileWriter
from fangpin.simulation.generate import SimulationParams, generate_chunks
from tests.factories import UserFactory, make_id_number
from tests.web.test_browser import PHONE, _page_fits, chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Every upload is imported within its request (immediate tasks); on a busy two-core machine that can take a while.
expect.set_options(timeout=60_000)

SHOTS = Path(os.environ["FANGPIN_SCREENSHOTS"]) if os.environ.get("FANGPIN_SCREENSHOTS") else None
DESKTOP = {"width": 1280, "height": 900}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A hospital system's export as it reaches the county: 个人自负 is its header for what fangpin calls 个人自付.
TITLE = "安宁县2025年10月住院结算明细"
HEADER = (
    "身份证号码,姓名,定点医疗机构,入院日期,出院日期,结算日期,医疗总费用（元）,基金支付金额,个人自负,出院诊断"
)
UNKNOWN_HEADER = "个人自负"


@dataclass(frozen=True)
class People:
    """ID numbers of the registry's people the files are about (the factory's household heads, renamed)."""

    qin: str  # 覃美玲, village A1
    huang_a1: str  # 黄丽华, village A1 (township A)
    huang_a2: str  # 黄丽华, village A2 (township A), born the same day: a row with her name alone fits both
    wei: str  # 韦国强, village B1 (township B)


@pytest.fixture
def people(users, households, settings, tmp_path) -> People:
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.PARQUET_DIR = tmp_path / "parquet"
    # A flushed database keeps only what the post_migrate hook put back; installing again changes nothing.
    feed_schemas_install_defaults()
    division = users[Role.COUNTY].division
    UserFactory(username="canlian", role=Role.DEPARTMENT, division=division, department="残联")
    ids = {}
    for key, name in [("a1", "覃美玲"), ("a1b", "黄丽华"), ("a2", "黄丽华"), ("b1", "韦国强")]:
        member = households[key].members.get()
        member.name = name
        member.save()
        ids[key] = decrypt_text(member.id_number_encrypted)
    return People(qin=ids["a1"], huang_a1=ids["a1b"], huang_a2=ids["a2"], wei=ids["b1"])


def _excel_number(id_number: str) -> str:
    """The ID number after Excel took it for a number: 4.50123E+17."""
    return f"{int(id_number[:17]) * 10:.5E}"


def _wrong_check_digit(id_number: str) -> str:
    return id_number[:-1] + ("1" if id_number[-1] == "0" else "0")


def _health_csv(p: People, *, outsider: str, stranger: str) -> bytes:
    """Rows 3–6 are good (two people of the registry, one from another province, one that fits both 黄丽华),
    rows 7–11 have a defect each; row 12 is the total."""
    rows = [
        f'{p.qin},覃美玲,县人民医院,2025-10-03,2025-10-10,2025/10/12,"23,400.00",22166,"1,234元",肺炎',
        f"{p.wei},韦国强,县中医院,20251005,20251008,20251009,5000,4000,1000,骨折",
        f"{outsider},陈静,县人民医院,2025-10-06,2025-10-09,2025-10-11,3200,2500,700,阑尾炎",
        f"{stranger},黄丽华,县人民医院,2025-10-07,2025-10-15,2025-10-16,8800,6000,2800,脑梗",
        f"{_excel_number(p.huang_a2)},黄丽华,县中医院,2025-10-02,2025-10-05,2025-10-06,2600,2000,600,肺炎",
        f"{p.qin},覃美玲,县人民医院,2099-01-01,,2025-10-12,100,0,100,",  # in the future
        f"{p.wei},韦国强,县中医院,2025-10-13,,2025-10-14,300,350,-50,复查",  # negative
        f"{p.huang_a1},黄丽华,县中医院,2025-10-01,,2025-10-02,300,0,300,=1+1",  # a spreadsheet formula
        f"{_wrong_check_digit(p.wei)},韦国强,县人民医院,2025-10-20,,2025-10-22,400,300,100,",  # mistyped
    ]
    lines = [TITLE, HEADER, *rows, "合计,,,,,,43500,35316,5934,"]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _disability_xlsx(p: People) -> bytes:
    """残联's certificate list as its system exports it: Excel, a title row, a 序号 column, its own spellings."""
    book = Workbook()
    sheet = book.active
    sheet.append(["安宁县持证残疾人名册"])
    sheet.append(["序号", "姓名", "身份证号码", "残疾证号", "残疾类别", "残疾等级", "发证日期"])
    sheet.append([1, "覃美玲", p.qin, f"{p.qin}44", "肢体残疾", "二级", dt.date(2025, 9, 1)])
    sheet.append([2, "韦国强", p.wei, f"{p.wei}11", "视力残疾", "一级", dt.date(2025, 8, 12)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport=DESKTOP, accept_downloads=True).new_page()
    page.goto(base_url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).not_to_have_text("登录")
    return page


def _upload(page: Page, base_url: str, *, source: str, name: str, content: bytes, mime: str = "text/csv"):
    page.goto(base_url + reverse("feeds-upload"))
    page.select_option("select[name=source]", source)
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.get_by_role("button", name="上传并导入").click()


def _on_a_phone(page: Page, shot: str) -> None:
    """The page fits a phone's width (officers check imports and queues on the way), then back to the desk."""
    page.set_viewport_size(PHONE)
    page.reload()
    _page_fits(page)
    _shot(page, shot)
    page.set_viewport_size(DESKTOP)
    page.reload()


def _counts(page: Page) -> dict[str, str]:
    """The batch page's counts, label → number."""
    counts = page.locator("dl.counts > div")
    return {
        counts.nth(i).locator("dt").inner_text().strip(): counts.nth(i).locator("dd").inner_text().strip()
        for i in range(counts.count())
    }


def _batch_id(page: Page) -> int:
    found = re.search(r"/feeds/batches/(\d+)/$", page.url)
    assert found, page.url
    return int(found.group(1))


def test_a_health_officer_imports_corrects_and_reimports_and_other_departments_see_none_of_it(
    live_server, people, households
):
    outsider = make_id_number(region="510722", birth=dt.date(1991, 3, 8), male=False)
    stranger = make_id_number(birth=dt.date(1980, 5, 17), male=False)  # 黄丽华's birth date, nobody's number
    original = _health_csv(people, outsider=outsider, stranger=stranger)
    mistyped = _wrong_check_digit(people.wei)
    base = live_server.url
    with chromium() as browser:
        page = _log_in(browser, base, "dept")
        expect(page.locator("h1")).to_have_text("部门数据导入")  # where a department officer lands

        # 1. The unseen file: the officer says which column 个人自负 is, and the rows are imported.
        _upload(page, base, source="health", name="10月住院结算.csv", content=original)
        expect(page.locator("h1")).to_have_text("这是哪一列？")
        expect(page.locator("main")).to_contain_text("10月住院结算.csv")
        _shot(page, "feeds_1_mapping")
        page.get_by_label(UNKNOWN_HEADER).select_option(label="个人自付")
        page.get_by_role("button", name="保存并导入").click()
        expect(page.locator("h1.file-name")).to_have_text("10月住院结算.csv")
        expect(page.locator(".batch-status .status")).to_have_text("已导入")
        first = _batch_id(page)
        assert _counts(page) == {
            "行数": "9",
            "有效": "4",
            "匹配到成员": "2",
            "匹配到多人": "1",
            "档案中未找到": "1",
            "无效": "5",
        }
        problems = page.locator("table.problems tbody tr")
        expect(problems).to_have_count(5)
        for index, (row, column, shown) in enumerate(
            [
                ("第 7 行", "身份证号", "Excel 把证件号码"),
                ("第 8 行", "入院日期", "将来的日期"),
                ("第 9 行", "个人自付 · 个人自负", "负数"),
                ("第 10 行", "诊断 · 出院诊断", "=1+1"),
                ("第 11 行", "身份证号", mask_id_number(mistyped)),
            ]
        ):
            for text in (row, column, shown):
                expect(problems.nth(index)).to_contain_text(text)
        expect(page.locator("main")).not_to_contain_text(mistyped)  # a wrong ID number is still someone's
        _shot(page, "feeds_2_batch")
        _on_a_phone(page, "feeds_2_batch_phone")

        # 2. The invalid rows as Excel, corrected where the problems column says, and uploaded again.
        with page.expect_download() as download:
            page.get_by_role("link", name="下载无效行（Excel）").click()
        assert re.fullmatch(r"10月住院结算-.+\.xlsx", download.value.suggested_filename)
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        sheet = book.active
        rows = [["" if c is None else c for c in r] for r in sheet.iter_rows(values_only=True)]
        assert rows[0] == [*HEADER.split(","), PROBLEMS_HEADER]
        assert [r[0] for r in rows[1:]] == [
            _excel_number(people.huang_a2),
            people.qin,
            people.wei,
            people.huang_a1,
            mistyped,  # whole in the file the officer corrects (an audited read)
        ]
        assert rows[3][8] == "'-50" and rows[4][9] == "'=1+1"  # no cell a spreadsheet would run
        for line in sheet.iter_rows(min_row=2):
            problem = line[-1].value
            if "Excel" in problem:
                line[0].value = people.huang_a2
            if "校验码" in problem:
                line[0].value = people.wei
            if "入院日期" in problem:
                line[3].value = "2025-10-04"
            if "个人自负" in problem:
                line[8].value = "50"
            if "出院诊断" in problem:
                line[9].value = "复诊"
        fixed = io.BytesIO()
        book.save(fixed)
        # The same unknown header again: remembered, so straight to the import.
        name = "10月住院结算-已改.xlsx"
        _upload(page, base, source="health", name=name, content=fixed.getvalue(), mime=XLSX)
        expect(page.locator("h1.file-name")).to_have_text(name)
        counts = _counts(page)
        assert (counts["行数"], counts["有效"], counts["无效"], counts["匹配到成员"]) == ("5", "5", "0", "5")
        expect(page.locator("#invalid-rows")).to_contain_text("这个文件的每一行都可以使用")
        corrected = _batch_id(page)

        # 3. The first file once more: nothing is imported twice, and the page says so.
        _upload(page, base, source="health", name="10月住院结算(1).csv", content=original)
        expect(page.locator("ul.messages")).to_contain_text("这个文件已于")
        assert _batch_id(page) == first
        _shot(page, "feeds_3_duplicate")

        # 4. 残联's officer imports an Excel file of theirs, and sees none of 卫健's imports.
        other = _log_in(browser, base, "canlian")
        expect(other.locator("select[name=source] option")).to_have_text(["残疾人证"])  # their own only
        content = _disability_xlsx(people)
        _upload(other, base, source="disability", name="持证残疾人名册.xlsx", content=content, mime=XLSX)
        expect(other.locator(".batch-status .status")).to_have_text("已导入")
        assert _counts(other)["匹配到成员"] == "2"
        other.goto(base + reverse("feeds-upload"))
        imports = other.locator("section.panel table.data tbody tr")
        expect(imports).to_have_count(1)
        expect(imports).to_contain_text("持证残疾人名册.xlsx")
        _shot(other, "feeds_4_other_department")
        for url in [reverse("feeds-batch", args=[first]), reverse("feeds-batch-invalid", args=[first])]:
            response = other.goto(base + url)
            assert response is not None and response.status == 404, url
            expect(other.locator("body")).not_to_contain_text("10月住院结算")
        _shot(other, "feeds_5_not_found")

        # 5. The township officer of A settles the row that fits both 黄丽华 of the township.
        township = _log_in(browser, base, "township")
        township.goto(base + reverse("feeds-queue"))
        item = township.locator("article.queue-item")
        expect(item).to_have_count(1)
        expect(item).to_contain_text("黄丽华")
        expect(item).to_contain_text(mask_id_number(stranger))
        for said in ("县人民医院", "2025年10月7日", "¥8,800.00"):  # what the row says, to ask around with
            expect(item.locator("dl.facts")).to_contain_text(said)
        expect(item.locator("table.candidates tbody tr")).to_have_count(2)
        for whole in (stranger, people.huang_a1, people.huang_a2):
            expect(township.locator("main")).not_to_contain_text(whole)
        _shot(township, "feeds_6_queue")
        _on_a_phone(township, "feeds_6_queue_phone")
        item.locator("tr", has_text="西岭村").get_by_role("button", name="就是此人").click()
        expect(township.locator("ul.messages")).to_contain_text("已处理")
        expect(township.locator("article.queue-item")).to_have_count(0)

    # Queries stay outside Playwright's context (see tests/web/test_browser.py).
    mapping = HeaderMapping.objects.get(department="卫健", file_header=UNKNOWN_HEADER)
    assert mapping.column == "out_of_pocket"
    assert sorted(FeedBatch.objects.filter(department="卫健").values_list("pk", flat=True)) == [
        first,
        corrected,
    ]
    stored = pq.read_table(store.batch_files(source="health", batch_id=first)).to_pylist()
    assert sorted(r["out_of_pocket"] for r in stored) == [
        Decimal(700),
        Decimal(1000),
        Decimal(1234),
        Decimal(2800),
    ]
    resolved = FeedRow.objects.get(batch_id=first, status=RowStatus.RESOLVED)
    assert resolved.resolved_member == households["a2"].members.get()


def _simulated_files(folder: Path) -> list[Path]:
    """One file per feed schema as the simulated county's departments write them (GBK, UTF-8 with and without a
    BOM, XLSX; title and total rows; their defects). A mix of disasters and illness gives every file rows."""
    params = SimulationParams(households=1_000, seed=6, risk_mix={"disaster": 1.0, "illness": 1.0})
    writer = FeedFileWriter(params=params, out_dir=folder)
    for chunk in generate_chunks(params):
        writer.add(chunk)
    return writer.close()


def _parquet(p: People, path: Path) -> Path:
    """残联's list as a data platform hands it over: Parquet, with typed columns."""
    table = pa.table(
        {
            "姓名": ["覃美玲", "韦国强"],
            "身份证号码": [p.qin, p.wei],
            "残疾证号": [f"{p.qin}44", f"{p.wei}11"],
            "残疾类别": ["肢体", "视力"],
            "残疾等级": pa.array([2, 1], pa.int64()),
            "发证日期": pa.array([dt.date(2025, 9, 1), dt.date(2025, 8, 12)], pa.date32()),
        }
    )
    pq.write_table(table, path)
    return path


def test_the_county_bureau_imports_every_departments_file_in_its_own_format(live_server, people, tmp_path):
    simulated = _simulated_files(tmp_path / "feeds")
    assert sorted(p.name.rsplit("_", 1)[0] for p in simulated) == sorted(s.source for s in default_schemas())
    files = [*simulated, _parquet(people, tmp_path / "disability_2025.parquet")]
    # What the reader finds in each file, under the title rows and above the total row.
    expected = {path.name: sum(b.num_rows for b in open_table(path).batches()) for path in files}
    base = live_server.url
    with chromium() as browser:
        page = _log_in(browser, base, "county")
        page.goto(base + reverse("feeds-upload"))
        expect(page.locator("select[name=source] option")).to_have_count(len(simulated) + 1)  # and "—"
        for path in files:
            source = path.name.rsplit("_", 1)[0]
            mime = {".xlsx": XLSX, ".parquet": "application/octet-stream"}.get(path.suffix, "text/csv")
            _upload(page, base, source=source, name=path.name, content=path.read_bytes(), mime=mime)
            expect(page.locator("h1.file-name")).to_have_text(path.name)
            expect(page.locator(".batch-status .status")).to_have_text("已导入")
            counts = _counts(page)
            total, valid, invalid = (int(counts[k]) for k in ("行数", "有效", "无效"))
            assert total == expected[path.name] > 0, path.name
            assert valid > invalid and valid + invalid <= total, (path.name, counts)
        page.goto(base + reverse("feeds-upload"))
        expect(page.locator("section.panel table.data tbody tr")).to_have_count(len(files))
        _shot(page, "feeds_7_every_department")
    statuses = list(FeedBatch.objects.values_list("status", flat=True))
    assert statuses == [BatchStatus.DONE] * len(files)


def _cut_off_sheet() -> bytes:
    """An Excel file whose sheet stops in the middle of a row two thirds of the way down: it opens, and breaks
    after thousands of rows have been read."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "身份证号码", "残疾证号", "残疾类别", "残疾等级", "发证日期"])
    for i in range(5_000):
        sheet.append([f"张{i}", make_id_number(), f"C{i:05d}", "肢体", "二级", "2025-09-01"])
    whole = io.BytesIO()
    book.save(whole)
    cut = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole.getvalue())) as source, zipfile.ZipFile(cut, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) * 2 // 3]
            target.writestr(item, data)
    return cut.getvalue()


def test_empty_binary_and_cut_off_files_are_refused_with_a_reason_and_leave_nothing(
    live_server, people, settings
):
    whole = _disability_xlsx(people)
    refused = [
        ("空文件.csv", b"", "text/csv", "空文件"),
        ("只有空行.csv", b"\r\n  \r\n\r\n", "text/csv", "文件是空的"),
        ("乱码.csv", bytes(range(256)) * 40, "text/csv", "二进制数据"),
        ("残缺.xlsx", whole[: len(whole) // 2], XLSX, "XLSX 文件已损坏或不完整"),
    ]
    base = live_server.url
    with chromium() as browser:
        page = _log_in(browser, base, "canlian")
        for index, (name, content, mime, reason) in enumerate(refused):
            _upload(page, base, source="disability", name=name, content=content, mime=mime)
            expect(page.locator("form.upload-form .errorlist")).to_contain_text(reason)
            expect(page.locator("h1")).to_have_text("部门数据导入")  # the form again, not an error page
            expect(page.locator("section.panel").last).to_contain_text("还没有导入过文件")
            _shot(page, f"feeds_8_refused_{index}")

        # A sheet that breaks after thousands of rows: the import fails as a whole, and says why.
        _upload(
            page, base, source="disability", name="残疾人名册-残缺.xlsx", content=_cut_off_sheet(), mime=XLSX
        )
        expect(page.locator(".batch-status .status")).to_have_text("失败")
        expect(page.locator(".batch-status")).to_contain_text("Excel 文件在第")
        failed = _batch_id(page)
        _shot(page, "feeds_9_failed")

        # The whole file afterwards imports as if nothing had happened.
        _upload(page, base, source="disability", name="持证残疾人名册.xlsx", content=whole, mime=XLSX)
        expect(page.locator(".batch-status .status")).to_have_text("已导入")
        done = _batch_id(page)

    statuses = dict(FeedBatch.objects.values_list("pk", "status"))
    assert statuses == {failed: BatchStatus.FAILED, done: BatchStatus.DONE}  # no batch for a refused file
    assert not FeedRow.objects.filter(batch_id=failed).exists()
    assert store.batch_files(source="disability", batch_id=failed) == []
    # Only the two files that were imported are kept; nothing of the refused ones.
    assert len(list(settings.UPLOAD_DIR.iterdir())) == 2
