"""The web pages: who sees what, search, the audited ID reveal, the two forms, query counts and languages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.cases.services import case_cancel, case_open_identification
from fangpin.registry.codes import Health, LabourSkill, MedicalInsurance, Relation
from fangpin.registry.id_numbers import check_character
from fangpin.registry.models import Category, Household, IncomeRecord, Member
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

pytestmark = pytest.mark.django_db


def _login(client, users, role: Role):
    client.force_login(users[role])
    return client


def _list(client, **params) -> str:
    response = client.get(reverse("household-list"), params)
    assert response.status_code == 200
    return response.content.decode()


def _valid_id(birth: str = "19900301", order: str = "123") -> str:
    body = f"450123{birth}{order}"
    return body + check_character(body)


def _member_post(**overrides) -> dict:
    return {
        "name": "王芳",
        "id_number": _valid_id(),
        "relation": Relation.SPOUSE,
        "health": Health.HEALTHY,
        "disability_grade": "",
        "labour_skill": LabourSkill.ORDINARY,
        "medical_insurance": MedicalInsurance.RESIDENT,
        "education": "",
        "school_status": "",
        **overrides,
    }


def _income_post(**overrides) -> dict:
    return {"period": "2025-10", "source": "survey", "wage_income": "1,234.50", **overrides}


# Who sees what ---------------------------------------------------------------------------------------------


def test_pages_need_a_logged_in_user(client, households):
    for url in [reverse("household-list"), reverse("household-detail", args=[households["a1"].pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_village_cadre_sees_only_the_households_of_their_village(client, users, households):
    page = _list(_login(client, users, Role.VILLAGE))
    assert households["a1"].number in page
    assert households["a1b"].number in page
    assert households["a2"].number not in page
    assert households["b1"].number not in page


def test_village_cadre_gets_404_for_a_household_of_another_village(client, users, households):
    _login(client, users, Role.VILLAGE)
    for key in ["a2", "b1"]:
        response = client.get(reverse("household-detail", args=[households[key].pk]))
        assert response.status_code == 404
        assert households[key].number not in response.content.decode()
    assert AuditEvent.objects.filter(action="household.denied").count() == 2


def test_township_officer_sees_their_township_only(client, users, households):
    page = _list(_login(client, users, Role.TOWNSHIP))
    for key in ["a1", "a1b", "a2"]:
        assert households[key].number in page
    assert households["b1"].number not in page
    assert client.get(reverse("household-detail", args=[households["b1"].pk])).status_code == 404
    assert client.get(reverse("household-detail", args=[households["a2"].pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DEPARTMENT, Role.SOCIAL])
def test_roles_without_household_files_get_an_empty_list_with_the_reason(client, users, households, role):
    _login(client, users, role)
    page = _list(client)
    for household in households.values():
        assert household.number not in page
    assert 'class="alert alert-info"' in page
    assert client.get(reverse("household-detail", args=[households["a1"].pk])).status_code == 404


def test_a_not_found_page_leads_back_to_the_users_own_start_page(client, users, households):
    # A department officer has no household list: the way back is the start page, which sends each role on.
    _login(client, users, Role.DEPARTMENT)
    response = client.get(reverse("household-detail", args=[households["a1"].pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<a class="btn" href="{reverse("inbox")}">' in page
    assert f'<a class="btn" href="{reverse("household-list")}">' not in page
    assert client.get(reverse("inbox")).status_code == 302  # on to the department's own page


def test_village_select_offers_only_villages_in_scope_grouped_by_township(client, users, county):
    page = _list(_login(client, users, Role.TOWNSHIP))
    assert '<optgroup label="城关镇">' in page
    assert county.village_a1.name in page and county.village_a2.name in page
    assert county.village_b1.name not in page


def test_filtering_by_village_status_and_category(client, users, households):
    households["a2"].status = "monitored"
    households["a2"].category = Category.objects.get(code="marginal")
    households["a2"].save()
    _login(client, users, Role.TOWNSHIP)
    page = _list(client, village=households["a2"].village_id)
    assert households["a2"].number in page and households["a1"].number not in page
    page = _list(client, status="monitored", category="marginal")
    assert households["a2"].number in page and households["a1"].number not in page
    # A village outside the scope in the query string is ignored, not obeyed.
    page = _list(client, village=households["b1"].village_id)
    assert households["b1"].number not in page


def test_the_list_is_paginated_by_25(client, users, county):
    for _ in range(30):
        MemberFactory(household=HouseholdFactory(village=county.village_a1))
    _login(client, users, Role.VILLAGE)
    first, second = _list(client), _list(client, page=2)
    assert len(re.findall(r'href="/households/\d+/">H', first)) == 25
    assert len(re.findall(r'href="/households/\d+/">H', second)) == 5


# Search ----------------------------------------------------------------------------------------------------


@pytest.fixture
def li_xiuying(households):
    """A second member, with her own name and ID number, in household a1."""
    id_number = make_id_number(birth=dt.date(1985, 3, 9), male=False)
    MemberFactory(
        household=households["a1"],
        name="李秀英",
        name_initials="lxy",
        relation=Relation.SPOUSE,
        id_number=id_number,
    )
    return id_number


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda id_number: "秀英", id="by name characters"),
        pytest.param(lambda id_number: "lxy", id="by pinyin initials"),
        pytest.param(lambda id_number: id_number, id="by full ID number"),
        pytest.param(lambda id_number: id_number[-4:], id="by last four characters"),
    ],
)
def test_search_finds_the_household_of_a_member(client, users, households, li_xiuying, query):
    page = _list(_login(client, users, Role.VILLAGE), q=query(li_xiuying))
    assert households["a1"].number in page
    assert households["a1b"].number not in page


def test_search_does_not_reach_outside_the_scope(client, users, households):
    b1_head = households["b1"].members.get()
    page = _list(_login(client, users, Role.VILLAGE), q=b1_head.id_number_masked[-4:])
    assert households["b1"].number not in page


# ID number reveal ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY])
def test_allowed_roles_see_the_full_id_number_and_the_look_is_audited(client, users, households, role):
    id_number = make_id_number()
    member = MemberFactory(household=households["a1"], relation=Relation.CHILD, id_number=id_number)
    _login(client, users, role)
    response = client.post(reverse("member-id-reveal", args=[member.pk]), HTTP_X_FRAGMENT="1")
    assert response.status_code == 200
    assert id_number in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    event = AuditEvent.objects.get(action="member.id_number.reveal")
    assert (event.object_id, event.actor_username) == (str(member.pk), users[role].username)


def test_without_scripts_the_reveal_is_a_page_with_a_way_back(client, users, households):
    member = households["a1"].members.get()
    _login(client, users, Role.VILLAGE)
    back = reverse("household-detail", args=[households["a1"].pk])
    page = client.post(reverse("member-id-reveal", args=[member.pk]), {"next": back}).content.decode()
    assert f'href="{back}"' in page
    page = client.post(reverse("member-id-reveal", args=[member.pk]), {"next": "https://evil.example/"})
    assert "evil.example" not in page.content.decode()


def test_reveal_refuses_get(client, users, households):
    member = households["a1"].members.get()
    response = _login(client, users, Role.VILLAGE).get(reverse("member-id-reveal", args=[member.pk]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="member.id_number.reveal").exists()


def test_reveal_is_csrf_protected(users, households):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.VILLAGE])
    member = households["a1"].members.get()
    assert client.post(reverse("member-id-reveal", args=[member.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="member.id_number.reveal").exists()


def test_reveal_outside_the_scope_is_404_and_shows_nothing(client, users, households):
    member = households["b1"].members.get()
    _login(client, users, Role.VILLAGE)
    response = client.post(reverse("member-id-reveal", args=[member.pk]), HTTP_X_FRAGMENT="1")
    assert response.status_code == 404
    assert member.id_number_masked[-4:] not in response.content.decode()
    assert AuditEvent.objects.filter(action="member.id_number.denied", object_id=str(member.pk)).exists()
    assert not AuditEvent.objects.filter(action="member.id_number.reveal").exists()


def test_analyst_cannot_reveal_an_id_number(client, users, households):
    member = households["a1"].members.get()
    _login(client, users, Role.ANALYST)
    assert client.post(reverse("member-id-reveal", args=[member.pk])).status_code == 404


# Adding a member -------------------------------------------------------------------------------------------


def test_member_add_saves_the_member_with_sex_and_birth_date_from_the_id_number(client, users, households):
    household = households["a1"]
    _login(client, users, Role.VILLAGE)
    response = client.post(reverse("member-add", args=[household.pk]), _member_post())
    assert response.status_code == 302
    assert response["Location"] == reverse("household-detail", args=[household.pk])
    member = household.members.get(name="王芳")
    assert member.birth_date == dt.date(1990, 3, 1)
    assert member.sex == "男"  # order code 123 is odd


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        pytest.param(
            _valid_id()[:17] + ("1" if _valid_id()[17] != "1" else "2"), "校验码", id="bad check digit"
        ),
        pytest.param(_valid_id(birth="19800230"), "不是真实的出生日期", id="30 February"),
    ],
)
def test_member_add_with_an_invalid_id_number_shows_why_and_saves_nothing(
    client, users, households, id_number, message
):
    household = households["a1"]
    before = Member.objects.count()
    _login(client, users, Role.VILLAGE)
    response = client.post(reverse("member-add", args=[household.pk]), _member_post(id_number=id_number))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"]
    assert message in errors["id_number"][0]
    assert message in response.content.decode()
    assert Member.objects.count() == before


def test_member_add_reports_a_second_head_on_the_relation_field(client, users, households):
    _login(client, users, Role.VILLAGE)
    response = client.post(
        reverse("member-add", args=[households["a1"].pk]), _member_post(relation=Relation.HEAD)
    )
    assert list(response.context["form"].errors) == ["relation"]
    assert not Member.objects.filter(name="王芳").exists()


def test_member_add_for_a_household_outside_the_scope_is_404(client, users, households):
    _login(client, users, Role.VILLAGE)
    assert client.get(reverse("member-add", args=[households["b1"].pk])).status_code == 404
    assert client.post(reverse("member-add", args=[households["b1"].pk]), _member_post()).status_code == 404
    assert not Member.objects.filter(name="王芳").exists()


# Recording income ------------------------------------------------------------------------------------------


def test_income_form_accepts_thousands_separators(client, users, households):
    household = households["a1"]
    _login(client, users, Role.VILLAGE)
    response = client.post(
        reverse("income-record", args=[household.pk]),
        _income_post(transfer_income="¥800", production_cost=""),
    )
    assert response.status_code == 302
    record = IncomeRecord.objects.get(household=household)
    assert record.period == dt.date(2025, 10, 1)
    assert (record.wage_income, record.transfer_income, record.production_cost) == (
        Decimal("1234.50"),
        Decimal("800"),
        Decimal("0"),
    )


def test_income_form_with_a_negative_amount_and_a_bad_month_shows_both_messages_and_saves_nothing(
    client, users, households
):
    _login(client, users, Role.VILLAGE)
    response = client.post(
        reverse("income-record", args=[households["a1"].pk]),
        _income_post(period="2025-13", wage_income="-100", business_income="abc", property_income="1.234"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["period"] == ["月份请写成 YYYY-MM，例如 2025-10。"]
    assert errors["wage_income"] == ["金额不能为负数。"]
    assert errors["business_income"] == ["请填写以元为单位的金额，例如 1,234.50。"]
    assert errors["property_income"] == ["金额最多保留两位小数（到分）。"]
    assert not IncomeRecord.objects.exists()


def test_income_for_a_future_month_is_refused_by_the_service_on_the_month_field(client, users, households):
    _login(client, users, Role.VILLAGE)
    next_year = dt.date.today().year + 1
    response = client.post(
        reverse("income-record", args=[households["a1"].pk]), _income_post(period=f"{next_year}-01")
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["period"]
    assert not IncomeRecord.objects.exists()


# The household page ----------------------------------------------------------------------------------------


def _file_with_history(household: Household, *, months: int, members: int) -> None:
    for _ in range(members):
        MemberFactory(household=household, relation=Relation.CHILD)
    for i in range(months):
        IncomeRecord.objects.create(
            household=household,
            period=dt.date(2024 + (i // 12), i % 12 + 1, 1),
            wage_income=Decimal("1000.50"),
            production_cost=Decimal("100"),
        )
    household.risk_codes = ["01", "0201"]
    household.status = "monitored"
    household.save()


def test_household_page_shows_facts_members_income_and_history_in_chinese(client, users, households):
    household = households["a1"]
    household.is_formerly_poor, household.poverty_exit_year = True, 2019
    _file_with_history(household, months=12, members=1)
    _login(client, users, Role.VILLAGE)
    html = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "东岭村" in html and "城关镇" in html
    assert "1980年5月17日" in html
    assert "因病" in html and "洪涝" in html
    # 12 × 900.50 = 10,806.00 net, two residents.
    assert "¥10,806.00" in html and "¥5,403.00" in html
    assert "2019" in html
    assert reverse("member-add", args=[household.pk]) in html
    assert "变更" in html  # the status change is in the history


def test_household_page_links_to_the_open_case_with_its_kind_and_state(client, users, households):
    household = households["a1"]
    case = case_open_identification(actor=users[Role.VILLAGE], household_id=household.pk, risk_codes=["01"])
    _login(client, users, Role.VILLAGE)
    html = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "<dt>当前案件</dt>" in html
    assert (
        f'<a class="case-link" href="{reverse("case-detail", args=[case.pk])}">识别认定 · 待承诺授权</a>'
        in html
    )


def test_household_page_links_to_the_latest_case_once_none_is_open(client, users, households):
    household = households["a1"]
    first = case_open_identification(actor=users[Role.VILLAGE], household_id=household.pk, risk_codes=["01"])
    case_cancel(actor=users[Role.TOWNSHIP], case_id=first.pk, reason="重复立案")
    second = case_open_identification(actor=users[Role.VILLAGE], household_id=household.pk, risk_codes=["09"])
    case_cancel(actor=users[Role.TOWNSHIP], case_id=second.pk, reason="农户已迁出")
    _login(client, users, Role.VILLAGE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "<dt>Latest case</dt>" in html
    link = f'href="{reverse("case-detail", args=[second.pk])}">identification (识别认定) · cancelled</a>'
    assert link in html and reverse("case-detail", args=[first.pk]) not in html
    assert "· closed " in html


def test_household_page_without_a_case_shows_no_case_line(client, users, households):
    _login(client, users, Role.VILLAGE)
    html = client.get(reverse("household-detail", args=[households["a1"].pk])).content.decode()
    assert 'class="case-link"' not in html and "当前案件" not in html


def test_household_list_runs_a_fixed_number_of_queries(client, users, county, django_assert_num_queries):
    _login(client, users, Role.VILLAGE)
    HouseholdFactory(village=county.village_a1)
    with django_assert_num_queries(13):
        _list(client)
    for _ in range(20):
        household = HouseholdFactory(village=county.village_a1)
        MemberFactory(household=household)
        MemberFactory(household=household, relation=Relation.CHILD)
    with django_assert_num_queries(13):
        page = _list(client, q="zw")
    assert page.count('href="/households/') >= 40


def test_household_page_runs_a_fixed_number_of_queries(client, users, households, django_assert_num_queries):
    small, large = households["a1"], households["a1b"]
    _file_with_history(small, months=1, members=0)
    _file_with_history(large, months=14, members=6)
    _login(client, users, Role.VILLAGE)
    for household in [small, large]:
        # With its open case, or else its latest closed one: two queries for a household never in a case.
        with django_assert_num_queries(16):
            assert client.get(reverse("household-detail", args=[household.pk])).status_code == 200


# Languages -------------------------------------------------------------------------------------------------


def test_pages_are_in_chinese_by_default(client, users, households):
    page = _list(_login(client, users, Role.VILLAGE))
    assert '<html lang="zh-hans">' in page
    assert "户编号" in page and "退出" in page


def test_the_language_switch_gives_english(client, users, households):
    _login(client, users, Role.VILLAGE)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("household-list")})
    assert response.status_code == 302
    page = _list(client)
    assert '<html lang="en">' in page
    assert "Household number" in page and "户编号" not in page
    html = client.get(reverse("household-detail", args=[households["a1"].pk])).content.decode()
    assert "1980-05-17" in html  # Chinese date conventions in the English interface too


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client, users):
    _login(client, users, Role.VILLAGE)
    page = client.get(reverse("household-list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "<h1>农户</h1>" in page


def test_login_page_renders_and_logs_in(client, users):
    page = client.get(reverse("login")).content.decode()
    assert "<form" in page and 'name="password"' in page
    response = client.post(reverse("login"), {"username": "village", "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("household-list")).status_code == 302


def test_a_search_of_the_household_list_is_audited_with_its_filters(client, users, households):
    _login(client, users, Role.VILLAGE)
    _list(client, q="zw")
    event = AuditEvent.objects.filter(action="household.list", actor_username="village").latest("id")
    assert event.data["query"] == "zw" and event.data["shown"] == 2
