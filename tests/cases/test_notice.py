"""The public notice: page and PDF carry name, village, category and risk type, and no personal data."""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from fangpin.accounts.roles import Role
from fangpin.cases.models import PublicNotice
from fangpin.cases.notice_render import notice_html, notice_pdf, notice_view
from fangpin.cases.workflow import State
from fangpin.registry.models import Member
from tests.cases.conftest import drive
from tests.factories import MemberFactory

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def notice(open_case, users) -> PublicNotice:
    # Personal data a careless template could leak: the head's ID number, a spouse, and the officer's phone.
    head = Member.objects.get(household=open_case.household)
    head.name = "李秀英"
    head.save()
    MemberFactory(household=open_case.household, name="王建国", relation="配偶")
    users[Role.VILLAGE].phone = "13812345678"
    users[Role.VILLAGE].save()
    case = drive(open_case, users, to=State.IN_NOTICE)
    return case.notice


def assert_no_pii(text: str) -> None:
    assert not ID_NUMBER.search(text), ID_NUMBER.search(text)
    assert not PHONE.search(text), PHONE.search(text)
    assert "13812345678" not in text


def test_the_notice_html_has_public_fields_only(notice):
    html = notice_html(notice_view(notice))
    assert "李秀英" in html and "东岭村" in html
    assert "sudden" in html or "突发严重困难户" in html
    assert_no_pii(html)
    assert "王建国" not in html  # members other than the head are not listed
    head = Member.objects.get(name="李秀英")
    assert head.id_number_masked not in html  # not even a masked ID number


def test_the_notice_pdf_is_chinese_and_has_no_pii(notice, tmp_path):
    pdf = notice_pdf(notice_view(notice))
    assert pdf.startswith(b"%PDF-")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; the HTML test above covers the content")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "李秀英" in text and "东岭村" in text
    assert "突发严重困难户" in text and "因病" in text
    assert "公示" in text
    assert_no_pii(text)


def test_the_notice_page_and_pdf_download(client, notice, users):
    client.force_login(users[Role.VILLAGE])
    page = client.get(reverse("notice-detail", args=[notice.pk]))
    assert page.status_code == 200
    assert "李秀英" in page.content.decode()
    assert_no_pii(page.content.decode().replace(str(notice.pk), ""))
    pdf = client.get(reverse("notice-pdf", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_notice_of_another_village_is_not_found(client, notice, cadre_a2):
    client.force_login(cadre_a2)
    assert client.get(reverse("notice-detail", args=[notice.pk])).status_code == 404
    assert client.get(reverse("notice-pdf", args=[notice.pk])).status_code == 404
