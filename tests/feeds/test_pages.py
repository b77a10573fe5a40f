"""The department-data pages, on what the browser journey (test_browser.py) found: an officer is offered their own
department's sources only, a file another office imported is a no-op without a page they may not open, a wrong
ID number is masked in the list of problems, and the header page speaks in labels. (The pages' other behaviour
is tested in tests/web/test_feeds_views.py.)"""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fangpin.accounts.roles import Role
from fangpin.core.crypto import decrypt_text
from fangpin.feeds.models import BatchStatus, FeedBatch
from fangpin.feeds.services import feed_schemas_install_defaults
from fangpin.registry.id_numbers import check_character, mask_id_number
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "身份证号码,患者姓名,医疗机构名称,入院日期,结算日期,总费用,个人自付"


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.PARQUET_DIR = tmp_path / "parquet"
    feed_schemas_install_defaults()
    return settings


def _upload(client, content: bytes, *, source: str = "health", name: str = "住院.csv"):
    return client.post(reverse("feeds-upload"), {"source": source, "file": SimpleUploadedFile(name, content)})


def _file(households, *, wrong_digit: bool = False) -> bytes:
    member = households["a1"].members.get()
    id_number = decrypt_text(member.id_number_encrypted)
    if wrong_digit:
        id_number = id_number[:-2] + ("1" if id_number[-2] == "0" else "0") + id_number[-1]
    return f"{HEADER}\n{id_number},{member.name},县人民医院,2025-10-03,2025-10-12,900,300\n".encode("gbk")


def test_a_department_officer_is_offered_their_own_sources_and_another_is_refused_on_the_form(
    client, users, households
):
    client.force_login(users[Role.DEPARTMENT])  # 卫健
    form = client.get(reverse("feeds-upload")).context["form"]
    assert form.fields["source"].choices == [("health", "住院及医疗费用结算")]  # the only one: chosen already
    response = _upload(client, _file(households), source="public_security")
    assert list(response.context["form"].errors) == ["source"]
    assert not FeedBatch.objects.exists()

    client.force_login(users[Role.COUNTY])
    choices = client.get(reverse("feeds-upload")).context["form"].fields["source"].choices
    assert choices[0] == ("", "—") and len(choices) == 11


def test_a_file_another_office_imported_is_not_imported_again_and_leads_back_to_the_upload_page(
    client, users, households, county
):
    client.force_login(users[Role.COUNTY])
    batch = FeedBatch.objects.get(pk=_upload(client, _file(households))["Location"].split("/")[-2])
    assert (batch.status, batch.department) == (BatchStatus.DONE, "")

    client.force_login(
        UserFactory(username="yb", role=Role.DEPARTMENT, division=county.county, department="医保")
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _upload(client, _file(households), name="同一个文件.csv")
    # Not the county's batch page, which a 医保 officer may not open (it would answer 404).
    assert response.status_code == 302 and response["Location"] == reverse("feeds-upload")
    page = client.get(response["Location"]).content.decode()
    assert "already imported on" in page and "by another office: there is nothing more to do" in page
    assert FeedBatch.objects.count() == 1


def test_a_wrong_id_number_is_masked_in_the_problems_and_whole_in_the_excel_to_correct(
    client, users, households
):
    client.force_login(users[Role.DEPARTMENT])
    content = _file(households, wrong_digit=True)
    wrong = content.decode("gbk").splitlines()[1].split(",")[0]
    batch = FeedBatch.objects.get(pk=_upload(client, content)["Location"].split("/")[-2])
    assert batch.rows_invalid == 1
    page = client.get(reverse("feeds-batch", args=[batch.pk])).content.decode()
    assert "校验码应为" in page and mask_id_number(wrong) in page
    assert wrong not in page and wrong[:12] not in page
    download = client.get(reverse("feeds-batch-invalid", args=[batch.pk]))
    assert load_workbook(io.BytesIO(download.content)).active["A2"].value == wrong  # an audited read


def test_the_header_page_names_the_columns_by_their_labels_only(client, users, households):
    client.force_login(users[Role.DEPARTMENT])
    odd = HEADER.replace("个人自付", "个人自负")
    member = households["a1"].members.get()
    line = (
        f"{decrypt_text(member.id_number_encrypted)},{member.name},县人民医院,2025-10-03,2025-10-12,900,300"
    )
    assert _upload(client, f"{odd}\n{line}\n".encode("gbk"))["Location"] == reverse("feeds-mapping")
    response = client.get(reverse("feeds-mapping"))
    page = response.content.decode()
    assert "个人自付" in page
    assert "out_of_pocket" not in page.replace('value="out_of_pocket"', "")  # a value, never shown
    _ignore, *groups = response.context["form"].fields["header_0"].choices
    options = [option for _group, group_options in groups for option in group_options]
    assert ("out_of_pocket", "个人自付") in options and ("hospital", "就诊医院") in options
    assert not [label for _name, label in options if "_" in label]


def test_the_queue_shows_what_an_ambiguous_row_says_in_words_without_its_id_number(
    client, users, households, county
):
    """Name and birth date fit two people of the township: what else the row says is how the officer tells."""
    for key in ("a1b", "a2"):
        member = households[key].members.get()
        member.name = "黄丽华"
        member.save()
    sent = decrypt_text(households["a1"].members.get().id_number_encrypted)
    sent = sent[:14] + "999" + sent[17]  # the same birth date, nobody's number
    sent = sent[:17] + check_character(sent[:17])
    housing = "户主身份证号,户主姓名,房屋地址,鉴定等级,是否纳入改造,鉴定日期\n"
    content = f"{housing}{sent},黄丽华,东岭村3组,C级危房,是,2025-09-01\n".encode()
    client.force_login(
        UserFactory(username="zj", role=Role.DEPARTMENT, division=county.county, department="住建")
    )
    batch = FeedBatch.objects.get(pk=_upload(client, content, source="housing")["Location"].split("/")[-2])
    assert batch.rows_ambiguous == 1
    client.force_login(users[Role.TOWNSHIP])
    page = client.get(reverse("feeds-queue")).content.decode()
    facts = page.split('class="facts"')[1].split("</dl>")[0]
    for label, value in [
        ("房屋地址", "东岭村3组"),
        ("鉴定等级", "C"),
        ("是否纳入改造", "是"),
        ("鉴定日期", "2025年9月1日"),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in facts
    assert sent not in page and mask_id_number(sent) in page
