"""The department-data pages: uploading a file, placing unknown headers, the batch page and its Excel of
invalid rows (corrected and uploaded again), and the township officer's queue of ambiguous matches."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fangpin.accounts.roles import Role
from fangpin.core.crypto import decrypt_text
from fangpin.feeds.exports import PROBLEMS_HEADER
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, HeaderMapping, RowStatus
from fangpin.feeds.services import feed_schemas_install_defaults
from fangpin.registry.id_numbers import mask_id_number
from tests.factories import MemberFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db

HEADERS = "身份证号码,患者姓名,医疗机构名称,入院日期,出院日期,结算日期,总费用,统筹支付,个人自付,诊断"
TITLE = "住院结算明细（2025年10月）"


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    """Uploads and the Parquet store in the test's own folder."""
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.PARQUET_DIR = tmp_path / "parquet"
    return settings


@pytest.fixture
def schemas(db):
    feed_schemas_install_defaults()


@pytest.fixture
def officer(client, users, schemas):
    client.force_login(users[Role.DEPARTMENT])
    return users[Role.DEPARTMENT]


def _id_of(member) -> str:
    return decrypt_text(member.id_number_encrypted)


def _csv(lines: list[str], *, headers: str = HEADERS) -> bytes:
    """A GBK file as a hospital system exports it: a title row, the header, the rows, a total row."""
    return f"{TITLE}\n{headers}\n{chr(10).join(lines)}\n合计,,,,,,999,,999,\n".encode("gb18030")


def _lines(households) -> list[str]:
    a, b = households["a1"].members.get(), households["b1"].members.get()
    return [
        f'{_id_of(a)},{a.name},县人民医院,2025-10-03,2025-10-10,2025/10/12,"23,400.00",12000,11400元,肺炎',
        f"{_id_of(b)},{b.name},县中医院,20251005,20251008,20251009,5000,4000,1000,骨折",
        f"{_id_of(b)},{b.name},县中医院,20251005,20251008,20251009,5000,4000,1000,骨折",  # row 5 repeats row 4
        f"{_id_of(a)[:-1]}{'0' if _id_of(a)[-1] != '0' else '1'},{a.name},县人民医院,2025-10-03,,2025-10-12,100,0,100,",
        f"{_id_of(a)},{a.name},县人民医院,2099-01-01,,2025-10-12,100,0,-5,",  # future date, negative amount
        f"{_id_of(b)},{b.name},县中医院,2025-10-01,,2025-10-02,300,0,300,=1+1",  # a spreadsheet formula
    ]


def _upload(client, content: bytes, name: str = "住院结算.csv", source: str = "health", **extra):
    return client.post(
        reverse("feeds-upload"), {"source": source, "file": SimpleUploadedFile(name, content)}, **extra
    )


def _imported(client, households) -> FeedBatch:
    response = _upload(client, _csv(_lines(households)))
    batch = FeedBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("feeds-batch", args=[batch.pk])
    return batch


# Uploading -------------------------------------------------------------------------------------------------


def test_a_department_officer_uploads_a_gbk_file_and_the_batch_page_shows_the_counts(
    client, officer, households, folders
):
    batch = _imported(client, households)
    assert (batch.status, batch.department, batch.uploaded_by) == (BatchStatus.DONE, "卫健", officer)
    assert (batch.rows_total, batch.rows_valid, batch.rows_invalid, batch.rows_matched) == (6, 2, 4, 2)
    content = _csv(_lines(households))
    stored = Path(batch.file_path)  # named by its content, never by the name the user gave it
    assert stored.parent == folders.UPLOAD_DIR
    assert stored.name == hashlib.sha256(content).hexdigest() + ".csv" and stored.read_bytes() == content

    page = client.get(reverse("feeds-batch", args=[batch.pk])).content.decode()
    assert "住院结算.csv" in page and "住院及医疗费用结算" in page and "已导入" in page
    counts = page.split('class="counts"')[1].split("</dl>")[0]
    for label, value in [("行数", 6), ("有效", 2), ("匹配到成员", 2), ("无效", 4)]:
        assert label in counts and f">{value}<" in counts
    assert "校验码应为" in page  # the problem of row 7, in the officer's language
    assert reverse("feeds-batch-invalid", args=[batch.pk]) in page

    upload_page = client.get(reverse("feeds-upload")).content.decode()
    assert reverse("feeds-batch", args=[batch.pk]) in upload_page  # among the recent imports


def test_the_upload_page_names_the_sources_in_the_current_language(client, officer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("feeds-upload")).content.decode()
    assert '<option value="health">Hospital stays and medical costs</option>' in page
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    page = client.get(reverse("feeds-upload")).content.decode()
    assert '<option value="health">住院及医疗费用结算</option>' in page


def test_another_departments_officer_gets_404_for_the_batch_page_and_its_download(
    client, officer, users, county, households
):
    batch = _imported(client, households)
    client.force_login(
        UserFactory(username="edu", role=Role.DEPARTMENT, division=county.county, department="教育")
    )
    assert client.get(reverse("feeds-batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("feeds-batch-invalid", args=[batch.pk])).status_code == 404
    assert "住院结算.csv" not in client.get(reverse("feeds-upload")).content.decode()
    client.force_login(users[Role.COUNTY])  # the county bureau sees every department's imports
    assert client.get(reverse("feeds-batch", args=[batch.pk])).status_code == 200


def test_a_village_cadre_can_neither_open_the_upload_page_nor_upload(client, users, schemas, households):
    client.force_login(users[Role.VILLAGE])
    assert client.get(reverse("feeds-upload")).status_code == 403
    assert _upload(client, _csv(_lines(households))).status_code == 403
    assert client.get(reverse("feeds-mapping")).status_code == 403
    assert not FeedBatch.objects.exists()


def test_an_unreadable_file_shows_the_message_on_the_form_and_creates_no_batch(client, officer, folders):
    response = _upload(client, b"\x00\x01\x02binary\xff\xfe junk" * 100, name="junk.csv")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["file"] and "二进制" in errors["file"][0]
    assert errors["file"][0] in response.content.decode()
    assert not FeedBatch.objects.exists()
    assert not any(folders.UPLOAD_DIR.iterdir())  # nothing of a refused file is kept


def test_a_form_without_a_file_or_source_says_so_and_saves_nothing(client, officer):
    response = client.post(reverse("feeds-upload"), {"source": ""})
    assert set(response.context["form"].errors) == {"source", "file"}
    assert not FeedBatch.objects.exists()


# Placing unknown headers -----------------------------------------------------------------------------------

ODD_HEADERS = "证件号,姓名,医院,入院日期,结算日期,总费用,自付,备注"


def test_unknown_required_headers_lead_to_the_mapping_page_and_the_mapping_imports_and_is_remembered(
    client, officer, households, folders
):
    a = households["a1"].members.get()
    line = f"{_id_of(a)},{a.name},县医院,2025-10-03,2025-10-12,100,100,无"
    response = _upload(client, f"{ODD_HEADERS}\n{line}\n".encode(), name="odd.csv")
    assert response.status_code == 302 and response["Location"] == reverse("feeds-mapping")
    assert not FeedBatch.objects.exists()

    response = client.get(reverse("feeds-mapping"))
    form = response.context["form"]
    assert form.headers == ["证件号", "医院", "自付", "备注"]
    page = response.content.decode()
    assert "odd.csv" in page and "身份证号" in page and "个人自付" in page  # the missing required columns
    assert str(folders.UPLOAD_DIR) not in page  # the stored path stays on the server, in the session

    choices = {"证件号": "id_number", "医院": "hospital", "自付": "out_of_pocket", "备注": ""}
    post = {f"header_{i}": choices[h] for i, h in enumerate(form.headers)}
    response = client.post(reverse("feeds-mapping"), post)
    batch = FeedBatch.objects.get()
    assert response["Location"] == reverse("feeds-batch", args=[batch.pk])
    assert (batch.rows_valid, batch.rows_matched) == (1, 1)
    remembered = dict(HeaderMapping.objects.filter(department="卫健").values_list("file_header", "column"))
    assert remembered == {"证件号": "id_number", "医院": "hospital", "自付": "out_of_pocket", "备注": ""}

    # The next file with the same headers goes straight through.
    response = _upload(client, f"{ODD_HEADERS}\n{line.replace('100,100', '200,200')}\n".encode())
    assert response["Location"] == reverse("feeds-batch", args=[FeedBatch.objects.latest("pk").pk])
    assert FeedBatch.objects.count() == 2


def test_a_mapping_that_places_two_headers_in_one_column_is_refused_on_the_form(client, officer, households):
    _upload(client, f"{ODD_HEADERS}\n1,2,3,4,5,6,7,8\n".encode())
    post = {"header_0": "id_number", "header_1": "id_number", "header_2": "out_of_pocket", "header_3": ""}
    response = client.post(reverse("feeds-mapping"), post)
    assert list(response.context["form"].errors) == ["header_1"]
    assert not HeaderMapping.objects.exists()


def test_the_mapping_page_without_a_waiting_upload_goes_back_to_the_upload_page(client, officer):
    response = client.get(reverse("feeds-mapping"))
    assert response.status_code == 302 and response["Location"] == reverse("feeds-upload")


# The Excel of invalid rows ---------------------------------------------------------------------------------


def _workbook(response):
    return load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_the_invalid_rows_excel_has_the_original_headers_every_problem_and_no_live_formula(
    client, officer, households
):
    batch = _imported(client, households)
    response = client.get(reverse("feeds-batch-invalid", args=[batch.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="batch-{batch.pk}-invalid-rows.xlsx"')
    assert "filename*=UTF-8''%E4%BD%8F%E9%99%A2" in disposition  # 住院结算-无效行.xlsx, percent-encoded
    sheet = _workbook(response).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*HEADERS.split(","), PROBLEMS_HEADER]
    assert len(rows) == 5  # four invalid rows under the header
    formula_row = next(r for r in rows if r[9].endswith("=1+1"))
    assert formula_row[9] == "'=1+1"
    future = next(r for r in rows if r[3] == "2099-01-01")
    assert future[8] == "'-5"
    assert "入院日期" in future[10] and "个人自付" in future[10]  # both problems of the row, by their header


def test_the_corrected_excel_imports_its_rows_and_the_same_file_again_is_a_duplicate(
    client, officer, households
):
    batch = _imported(client, households)
    book = _workbook(client.get(reverse("feeds-batch-invalid", args=[batch.pk])))
    sheet = book.active
    a = households["a1"].members.get()
    for row in sheet.iter_rows(min_row=2):  # correct what the problems column names, nothing else
        cells = dict(zip([*HEADERS.split(","), PROBLEMS_HEADER], row, strict=True))
        if "校验码" in cells[PROBLEMS_HEADER].value:
            cells["身份证号码"].value = _id_of(a)
        if cells["入院日期"].value == "2099-01-01":
            cells["入院日期"].value = "2025-10-04"
        if cells["个人自付"].value == "'-5":
            cells["个人自付"].value = "5"
        if cells["诊断"].value == "'=1+1":
            cells["诊断"].value = "肺炎"
    fixed = io.BytesIO()
    book.save(fixed)

    response = _upload(client, fixed.getvalue(), name="住院结算-改.xlsx")
    again = FeedBatch.objects.latest("pk")
    assert again.pk != batch.pk
    assert response["Location"] == reverse(
        "feeds-batch", args=[again.pk]
    )  # the problems column did not block
    assert (again.rows_total, again.rows_valid, again.rows_invalid) == (4, 4, 0)

    response = _upload(client, fixed.getvalue(), name="again.xlsx")
    assert response["Location"] == reverse("feeds-batch", args=[again.pk])
    assert FeedBatch.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "这个文件已于" in page and "导入过" in page


# The batch page --------------------------------------------------------------------------------------------


def test_a_running_batch_shows_its_progress_and_answers_the_pages_script_with_a_fragment(
    client, officer, households
):
    batch = _imported(client, households)
    FeedBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, rows_total=1200, finished_at=None
    )
    page = client.get(reverse("feeds-batch", args=[batch.pk])).content.decode()
    assert f'data-poll="{reverse("feeds-batch", args=[batch.pk])}"' in page and "1200" in page
    fragment = client.get(reverse("feeds-batch", args=[batch.pk]), HTTP_X_FRAGMENT="1")
    assert fragment["Cache-Control"].startswith("max-age=0")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section class="panel batch-status"') and "<html" not in html
    FeedBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE)
    html = client.get(reverse("feeds-batch", args=[batch.pk]), HTTP_X_FRAGMENT="1").content.decode()
    assert "data-poll" not in html  # the script reloads the whole page


def test_the_invalid_rows_are_paginated_by_50(client, officer, households):
    a = households["a1"].members.get()
    bad = [f"{_id_of(a)},{a.name},医院{i},2099-01-01,,2025-10-12,100,0,100," for i in range(60)]
    batch = FeedBatch.objects.get(pk=_upload(client, _csv(bad))["Location"].split("/")[-2])
    assert batch.rows_invalid == 60
    first = client.get(reverse("feeds-batch", args=[batch.pk])).content.decode()
    second = client.get(reverse("feeds-batch", args=[batch.pk]), {"page": 2}).content.decode()
    assert first.count('class="problem"') == 50 and second.count('class="problem"') == 10


def test_the_batch_page_runs_a_fixed_number_of_queries(
    client, officer, households, django_assert_num_queries
):
    small = _imported(client, households)
    a = households["a1"].members.get()
    bad = [f"{_id_of(a)},{a.name},医院{i},2099-01-01,,2025-10-12,100,0,-1," for i in range(40)]
    large = FeedBatch.objects.get(pk=_upload(client, _csv(bad))["Location"].split("/")[-2])
    assert large.rows_invalid == 40
    for batch in [small, large]:
        with django_assert_num_queries(7):
            assert client.get(reverse("feeds-batch", args=[batch.pk])).status_code == 200


# The queue of ambiguous matches ----------------------------------------------------------------------------


@pytest.fixture
def ambiguous(client, officer, county, households):
    """A row that matches three members by name and birth date: two in township A, one in township B."""
    a = households["a1"].members.get()
    a.name = "覃美玲"  # the factory names everybody 张伟
    a.save()
    twins = [
        MemberFactory(household=households[key], name=a.name, relation="其他", id_number=make_id_number())
        for key in ["a1b", "b1"]
    ]
    sent_id = make_id_number(birth=a.birth_date)
    line = f"{sent_id},{a.name},县人民医院,2025-10-03,,2025-10-12,100,0,100,"
    _upload(client, _csv([line]))
    row = FeedRow.objects.get(status=RowStatus.AMBIGUOUS)
    assert sorted(row.candidates) == sorted([a.pk, *(t.pk for t in twins)])
    client.logout()
    return row, sent_id, a, twins


def test_a_township_officer_sees_an_ambiguous_row_with_its_candidates_in_their_township_only(
    client, users, ambiguous
):
    _row, sent_id, a, (twin_a, twin_b) = ambiguous
    client.force_login(users[Role.TOWNSHIP])
    page = client.get(reverse("feeds-queue")).content.decode()
    assert mask_id_number(sent_id) in page and sent_id not in page  # never the full number
    assert a.id_number_masked in page and twin_a.id_number_masked in page
    assert twin_b.household.number not in page and twin_b.id_number_masked not in page  # township B's
    assert "1980年5月17日" in page and "东岭村" in page
    assert reverse("feeds-queue") in client.get(reverse("household-list")).content.decode()  # in the menu


def test_a_township_officer_resolves_an_ambiguous_row(client, users, ambiguous):
    row, _sent, a, _twins = ambiguous
    client.force_login(users[Role.TOWNSHIP])
    response = client.post(reverse("feeds-queue"), {"row": row.pk, "member": a.pk, "page": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("feeds-queue") + "?page=1"
    row.refresh_from_db()
    assert (row.status, row.resolved_member) == (RowStatus.RESOLVED, a)
    page = client.get(response["Location"]).content.decode()
    assert "已处理" in page and a.id_number_masked not in page  # settled, and gone from the queue
    # A second click on the same row is told it is settled, not shown an error page.
    response = client.post(reverse("feeds-queue"), {"row": row.pk, "member": "none"}, follow=True)
    assert response.status_code == 200 and "已经处理过" in response.content.decode()


def test_none_of_them_settles_the_row_without_a_member(client, users, ambiguous):
    row = ambiguous[0]
    client.force_login(users[Role.COUNTY])
    client.post(reverse("feeds-queue"), {"row": row.pk, "member": "none"})
    row.refresh_from_db()
    assert (row.status, row.resolved_member) == (RowStatus.RESOLVED, None)


def test_a_member_who_is_not_a_candidate_is_refused(client, users, ambiguous, households):
    row = ambiguous[0]
    client.force_login(users[Role.TOWNSHIP])
    outsider = households["a2"].members.get()
    response = client.post(reverse("feeds-queue"), {"row": row.pk, "member": outsider.pk}, follow=True)
    assert "请从候选成员中选择" in response.content.decode()
    row.refresh_from_db()
    assert row.status == RowStatus.AMBIGUOUS


def test_the_queue_is_closed_to_village_cadres_and_department_officers(client, users, ambiguous):
    row = ambiguous[0]
    for role in [Role.VILLAGE, Role.DEPARTMENT]:
        client.force_login(users[role])
        assert client.get(reverse("feeds-queue")).status_code == 403
        assert client.post(reverse("feeds-queue"), {"row": row.pk, "member": "none"}).status_code == 403
    row.refresh_from_db()
    assert row.status == RowStatus.AMBIGUOUS
