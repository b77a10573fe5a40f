"""The whole procedure for one simulated household in a real browser, role by role (issue 6): a risk found on a
visit, the alert confirmed, identification step by step with its public notice and PDF, approval, the
assistance plan, a helper, a follow-up visit; the training clock moved forward to watch deadlines turn orange
and red and reach the next level; a cadre of another village refused (404, audited). A second journey takes a
monitored household through risk elimination and its rollback.

Playwright drives Debian's Chromium against the live server (see tests/web/test_browser.py). Only the set-up
writes to the database directly; everything after it goes through the pages, except the daily deadline task,
which the scheduler runs (`call_command("case_deadlines")`).
"""

import datetime as dt
import importlib
import io
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.cases.models import Case
from fangpin.core import clock
from fangpin.registry.codes import MonitoringStatus, Relation
from fangpin.registry.models import Category, Household
from tests.factories import MemberFactory, make_id_number
from tests.web.test_browser import PHONE, _page_fits, chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Every step posts and renders on a busy two-core machine; the PDF loads fonts.
expect.set_options(timeout=60_000)

SHOTS = Path(os.environ["FANGPIN_SCREENSHOTS"]) if os.environ.get("FANGPIN_SCREENSHOTS") else None
PASSWORD = "pw-for-tests-1"  # tests/factories.py gives every user this password
DESKTOP = {"width": 1280, "height": 900}

# What a public notice must never carry: an ID number, whole or masked as the pages show it (4501**********123X),
# or a mobile number.
ID_NUMBER = re.compile(r"\d{4}[\d*]{10}\d{3}[\dXx]")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# The data migrations' defaults. A transactional test starts from a flushed database, so the set-up puts back
# what migrations normally provide, with the migrations' own functions.
_DEFAULTS = [
    "fangpin.registry.migrations.0002_default_categories",
    "fangpin.monitoring.migrations.0002_national_line",
    "fangpin.assistance.migrations.0002_default_catalogue",
]


def _migration_defaults() -> None:
    for module in _DEFAULTS:
        importlib.import_module(module).add(apps, None)


@dataclass
class Journey:
    household: Household
    base_url: str


@pytest.fixture
def journey(live_server, county, users, households, cadre_a2) -> Journey:
    _migration_defaults()
    household = households["a1"]  # its head, 张伟, is an ordinary labourer (tests/factories.py)
    MemberFactory(
        household=household, name="李秀英", relation=Relation.SPOUSE, id_number=make_id_number(male=False)
    )
    return Journey(household=household, base_url=live_server.url)


# --- helpers -------------------------------------------------------------------------------------------------


def _shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    """A user in their own browser context, in the Chinese interface real users see by default."""
    page = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    page.goto(base_url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("我的待办")  # staff land on their inbox
    return page


def _step(page: Page, step: str) -> Locator:
    return page.locator(f"form[action$='/steps/{step}/']")


def _submit(form: Locator) -> None:
    form.locator("button[type=submit]").click()


def _saved(page: Page) -> None:
    expect(page.locator(".message-success")).to_be_visible()


def _clock_today() -> dt.date:
    """Today on the training clock (no query: the offset is a setting)."""
    return clock.today()


def _move_clock(settings, to: dt.date) -> None:
    """The training clock (FANGPIN_CLOCK_OFFSET_DAYS): the live server runs in this process, so it sees it."""
    settings.FANGPIN_CLOCK_OFFSET_DAYS = (to - timezone.localdate()).days


def _db(query):
    """Database work from inside Playwright's block: Django's connection of that context is closed right after,
    so none outlives the test (PostgreSQL would refuse to drop the test database)."""
    try:
        return query()
    finally:
        connections.close_all()


def _deadlines() -> str:
    """The daily task, as the scheduler runs it."""
    out = io.StringIO()
    _db(lambda: call_command("case_deadlines", stdout=out))
    return out.getvalue()


def _pdf_text(page: Page, base_url: str, tmp_path: Path) -> str:
    href = page.locator("a[href$='notice.pdf']").get_attribute("href")
    response = page.request.get(base_url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    path = (SHOTS or tmp_path) / "notice.pdf"  # kept beside the screenshots, to be looked at
    path.write_bytes(body)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- identification ------------------------------------------------------------------------------------------


def test_a_household_goes_from_a_visit_finding_to_monitored_assisted_and_followed_up(
    journey, users, settings, tmp_path
):
    h = journey.household
    with chromium() as browser:
        village = _log_in(browser, journey.base_url, "village")
        case_url = _alert_to_case(village, h)
        case_pk = int(case_url.rstrip("/").rsplit("/", 1)[1])
        township = _log_in(browser, journey.base_url, "township")
        _deadline_turns(village, township, case_url, settings)
        other = _other_village_refused(browser, journey.base_url, case_url)
        notice_url = _village_steps(village, journey, settings, tmp_path)
        _township_review(township, case_url)
        county = _log_in(browser, journey.base_url, "county")
        _county_approval(county, case_url, h)
        _assistance(village, township, h, journey.base_url)
        _follow_up(village, h, settings)
        response = other.goto(notice_url)  # the notice names the household: not for the next village either
        assert response is not None and response.status == 404
    case = Case.objects.get(pk=case_pk)
    assert case.state == "approved"
    h.refresh_from_db()
    assert h.status == MonitoringStatus.MONITORED and h.helper == users[Role.VILLAGE]
    # The next village's cadre looked, and tried a step: both refused as "not found", both on the audit log.
    denied = AuditEvent.objects.filter(action="case.denied", object_id=str(case_pk))
    assert list(denied.values_list("actor_username", flat=True)) == ["village-a2", "village-a2"]
    assert AuditEvent.objects.filter(action="notice.denied", actor_username="village-a2").count() == 1
    assert not case.steps.filter(actor__username="village-a2").exists()


def _alert_to_case(page: Page, h: Household) -> str:
    """The cadre puts a risk found on a visit on the queue, then confirms it: the identification case opens."""
    page.locator("nav.mainnav").get_by_role("link", name="农户").click()
    page.get_by_role("link", name=h.number).click()
    page.locator(f"a[href='{reverse('alert-raise', args=[h.pk])}']").click()
    page.select_option("select[name=risk_code]", "01")
    page.fill("textarea[name=note]", "户主张伟住院两周，家中主要劳动力无法务工。")
    _shot(page, "01_raise_alert")
    page.locator("form.panel button[type=submit]").click()
    _saved(page)

    page.locator("nav.mainnav").get_by_role("link", name="预警").click()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()
    expect(page.locator("main")).to_contain_text("户主张伟住院两周")
    confirm = page.locator("form[action$='/confirm/']")
    expect(confirm.locator("input[name=visited_on]")).to_have_value(_clock_today().isoformat())
    confirm.locator("textarea[name=note]").fill("入户核实：住院属实，自付医疗费用较高。")
    _submit(confirm)
    _saved(page)
    _shot(page, "02_alert_confirmed")

    # The case waits in the cadre's queue for the household's consent.
    page.locator("nav.mainnav").get_by_role("link", name="识别与消除").click()
    row = page.locator("table.data tbody tr", has_text=h.number)
    expect(row).to_contain_text("待承诺授权")
    expect(row.locator(".deadline")).to_have_text("按期")
    _shot(page, "03_case_queue")
    row.get_by_role("link", name=h.number).click()
    expect(page.locator(".case-state")).to_have_text("待承诺授权")
    return page.url


def _deadline_turns(village: Page, township: Page, case_url: str, settings) -> None:
    """The first home visit is due within 5 working days. Moved to that day the step turns orange; a day later
    red, and the township sees it among its own cases and in its inbox."""
    due = _db(lambda: Case.objects.get().step_due_on)
    _move_clock(settings, due)
    assert "1 due soon" in _deadlines()
    village.reload()
    expect(village.locator(".page-head .deadline")).to_have_class(re.compile("deadline-orange"))
    expect(village.locator(".page-head .deadline")).to_have_text("即将到期")
    _shot(village, "04_case_orange")

    _move_clock(settings, due + dt.timedelta(days=1))
    assert "1 overdue (1 newly)" in _deadlines()
    village.reload()
    expect(village.locator(".page-head .deadline")).to_have_text("已超期")
    _shot(village, "05_case_red")

    township.reload()
    section = township.locator("#cases")
    expect(section).to_contain_text("待承诺授权（下级超期）")
    expect(section.locator("li.deadline-red")).to_have_count(1)
    _shot(township, "06_township_inbox_red")
    township.locator("nav.mainnav").get_by_role("link", name="识别与消除").click()
    row = township.locator("table.data tbody tr.row-red")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("下级超期")
    _shot(township, "07_township_queue_red")
    # Not the township's step: no form of the village's, only cancelling (a duplicate, a household gone).
    row.locator("a").first.click()
    expect(township.locator(".page-head .deadline")).to_have_text("已超期")
    expect(_step(township, "cancel")).to_have_count(1)
    expect(_step(township, "consent")).to_have_count(0)
    assert township.url == case_url


def _village_steps(page: Page, journey: Journey, settings, tmp_path: Path) -> str:
    """Consent, home verification with income by component, cross-check, appraisal, the public notice."""
    page.reload()
    consent = _step(page, "consent")
    consent.locator("input[name='consent-method'][value='attestation']").check()
    consent.locator("textarea[name='consent-attestation']").fill("户主张伟当面签字同意，村会计李明在场。")
    _submit(consent)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待入户核实")

    # The verification is entered at the household, on a phone: nothing sticks out of a 360-px screen.
    page.set_viewport_size(PHONE)
    _page_fits(page)
    _shot(page, "08_verify_phone")
    page.set_viewport_size(DESKTOP)
    verify = _step(page, "verify")
    verify.locator("textarea[name='verify-findings']").fill("户主住院，家庭收入骤降；房屋安全，饮水安全。")
    verify.locator("input[name='verify-residents']").fill("3")
    verify.locator("input[name='verify-wage_income']").fill("6000")
    verify.locator("input[name='verify-transfer_income']").fill("1200")
    verify.locator("input[name='verify-medical_self_paid']").fill("25000")
    _shot(page, "08_verify_form")
    _submit(verify)
    _saved(page)
    history = page.locator("ol.history")
    expect(history).to_contain_text("¥2,400.00")  # (6,000 + 1,200) / 3 residents
    expect(history).to_contain_text("¥25,000.00")

    crosscheck = _step(page, "crosscheck")
    _submit(crosscheck)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待村级民主评议")

    appraise = _step(page, "appraise")
    appraise.locator("input[name='appraise-attendance']").fill("21")
    appraise.locator("input[name='appraise-votes_for']").fill("20")
    appraise.locator("input[name='appraise-votes_against']").fill("1")
    appraise.locator("select[name='appraise-category_code']").select_option("sudden-hardship")
    expect(appraise.locator("input[name='appraise-risk_codes'][value='01']")).to_be_checked()
    appraise.locator("input[name='appraise-risk_codes'][value='07']").check()
    _shot(page, "09_appraise_form")
    _submit(appraise)
    _saved(page)
    expect(page.locator(".facts")).to_contain_text("突发严重困难户")

    # The notice runs five days from today (the form's defaults).
    publish = _step(page, "publish_notice")
    ends_on = dt.date.fromisoformat(publish.locator("input[name='notice-ends_on']").input_value())
    _submit(publish)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("公示中")
    page.locator(".facts a[href*='/notices/']").click()
    table = page.locator("table.data")
    expect(table).to_contain_text("张伟")
    expect(table).to_contain_text("东岭村")
    expect(table).to_contain_text("突发严重困难户")
    expect(table).to_contain_text("因病")
    expect(table).to_contain_text("因务工就业不稳")
    _shot(page, "10_notice")
    notice_url = page.url
    text = _pdf_text(page, journey.base_url, tmp_path)
    for public in ["张伟", "东岭村", "突发严重困难户", "因病", "因务工就业不稳"]:
        assert public in text
    assert "李秀英" not in text
    assert not ID_NUMBER.search(text), text
    assert not MOBILE.search(text), text
    page.go_back()

    # The notice can close once its last day is over: the clock moves to the day after.
    _move_clock(settings, ends_on + dt.timedelta(days=1))
    page.reload()
    close = _step(page, "close_notice")
    close.locator("textarea[name='close-note']").fill("公示期满，无异议。")
    _submit(close)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待乡镇审核")
    expect(page.locator("main")).to_contain_text("下一步不由您办理")
    _shot(page, "11_village_done")
    return notice_url


def _township_review(page: Page, case_url: str) -> None:
    page.locator("nav.mainnav").get_by_role("link", name="我的待办").click()
    item = page.locator("#cases li", has_text="待乡镇审核")
    expect(item).to_have_count(1)
    item.locator("a").click()
    assert page.url == case_url
    review = _step(page, "review")
    review.locator("textarea[name='review-note']").fill("材料齐全，同意上报。")
    _shot(page, "12_township_review")
    _submit(review)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待县级审批")


def _county_approval(page: Page, case_url: str, h: Household) -> None:
    page.locator("nav.mainnav").get_by_role("link", name="识别与消除").click()
    page.locator("table.data tbody tr", has_text=h.number).locator("a").first.click()
    assert page.url == case_url
    approve = _step(page, "approve")
    _submit(approve)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("已审批并公告")
    _shot(page, "13_county_approved")
    # Announced: the household is monitored, with its category and risk types.
    page.locator(".page-head h1 a").click()
    expect(page.locator(".page-head .status")).to_have_text("已纳入监测")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("突发严重困难户")
    expect(facts.locator(".tag-code")).to_have_text(["01", "07"])
    _shot(page, "14_household_monitored")


def _assistance(village: Page, township: Page, h: Household, base_url: str) -> None:
    """The plan with suggestions by risk type; a household with labour needs a development measure; the
    township assigns the helper (帮扶责任人)."""
    plan_url = reverse("assistance-plan", args=[h.pk])
    village.goto(base_url + reverse("household-detail", args=[h.pk]))
    village.locator(f".page-actions a[href='{plan_url}']").click()
    warning = village.locator(".alert-warning")
    expect(warning).to_be_visible()
    village.select_option("select[name=level]", "red")
    village.locator("form[action$='/plan/'] button[type=submit]").click()
    _saved(village)
    suggestions = village.locator("ul.suggestions li")
    expect(suggestions).to_have_count(3)  # 01: health; 07: employment, public-welfare job
    _shot(village, "15_plan_suggestions")

    suggestions.filter(has_text="医疗救助").get_by_role("link").click()
    expect(village.locator("select[name=measure_type]")).to_have_value("health")
    expect(village.locator("select[name=risk_code]")).to_have_value("01")
    village.fill("input[name=provider]", "县医疗保障局")
    village.fill("input[name=amount]", "3000")
    expect(village.locator("input[name=start_date]")).to_have_value(_clock_today().isoformat())
    _shot(village, "16_measure_form")
    village.locator("form.panel button[type=submit]").click()
    _saved(village)
    expect(village.locator("table.data").first).to_contain_text("县医疗保障局")
    expect(village.locator(".alert-warning")).to_be_visible()  # health is protection, not development

    village.locator("ul.suggestions li", has_text="就业服务").get_by_role("link").click()
    expect(village.locator("select[name=risk_code]")).to_have_value("07")
    village.fill("input[name=provider]", "县人力资源和社会保障局")
    village.locator("form.panel button[type=submit]").click()
    _saved(village)
    expect(village.locator(".alert-warning")).to_have_count(0)
    _shot(village, "17_plan_measures")

    township.goto(base_url + plan_url)
    township.locator(f"a[href='{reverse('assistance-helper', args=[h.pk])}']").click()
    cadre = township.locator("select[name=helper] option", has_text="village · 村干部")
    township.select_option("select[name=helper]", cadre.get_attribute("value"))
    _shot(township, "18_helper_form")
    township.locator("form.panel button[type=submit]").click()
    _saved(township)
    expect(township.locator(".facts")).to_contain_text("village")


def _follow_up(page: Page, h: Household, settings) -> None:
    """A follow-up visit with the month's income; a red household is visited monthly, so a month and a bit
    later the visit is overdue on the helper's list and inbox."""
    page.reload()
    page.locator(f"a[href='{reverse('assistance-visit', args=[h.pk])}']").click()
    page.fill("textarea[name=findings]", "户主已出院，妻子在镇上务工。")
    # The health measure was delivered; the visit records it (the form lists the plan's measures in order).
    statuses = page.locator("select[name^=measure_]")
    expect(statuses).to_have_count(2)
    statuses.first.select_option("delivered")
    page.locator("input[name=record_income]").check()
    page.fill("input[name=wage_income]", "1800")
    page.fill("input[name=transfer_income]", "200")
    _shot(page, "19_visit_form")
    page.locator("form.panel button[type=submit]").click()
    _saved(page)
    visits = page.locator("table.data").last
    expect(visits).to_contain_text("户主已出院")
    expect(visits).to_contain_text("¥2,000.00")
    measures = page.locator("table.data").first
    expect(measures.locator("tr", has_text="县医疗保障局")).to_contain_text("已落实")

    page.locator("nav.mainnav").get_by_role("link", name="我的回访").click()
    row = page.locator("table.data tbody tr", has_text=h.number)
    expect(row).not_to_have_class(re.compile("is-overdue"))
    visited = _clock_today()
    _move_clock(settings, visited + dt.timedelta(days=40))
    page.reload()
    expect(row).to_have_class(re.compile("is-overdue"))
    _shot(page, "20_follow_up_overdue")
    page.locator("nav.mainnav").get_by_role("link", name="我的待办").click()
    expect(page.locator("#my_follow_ups li.deadline-red")).to_have_count(1)
    _shot(page, "21_village_inbox")


def _other_village_refused(browser: Browser, base_url: str, case_url: str) -> Page:
    """A cadre of the next village (西岭村), while the case is open and overdue: it is in none of their lists,
    its page is "not found", and so is the consent they post straight to it (valid for 东岭村's cadre)."""
    page = _log_in(browser, base_url, "village-a2")
    expect(page.locator("#cases")).to_contain_text("暂无")
    page.locator("nav.mainnav").get_by_role("link", name="识别与消除").click()
    expect(page.locator("table.data")).to_have_count(0)
    response = page.goto(case_url)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    _shot(page, "22_other_village_404")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    consent = {
        "consent-method": "attestation",
        "consent-signed_on": _clock_today().isoformat(),
        "consent-attestation": "户主同意。",
    }
    response = page.request.post(case_url + "steps/consent/", form=consent, headers={"X-CSRFToken": token})
    assert response.status == 404
    return page


# --- risk elimination and its rollback ---------------------------------------------------------------------


@pytest.fixture
def monitored(live_server, county, users, households) -> Journey:
    """A household of village A1 monitored for a year for unstable employment (07), its income since back up."""
    _migration_defaults()
    household = households["a1b"]
    household.status = MonitoringStatus.MONITORED
    household.category = Category.objects.get(code="marginal")
    household.risk_codes = ["07"]
    household.identified_on = timezone.localdate() - dt.timedelta(days=365)
    household.save()
    return Journey(household=household, base_url=live_server.url)


def test_a_monitored_household_has_its_risk_eliminated_and_the_elimination_rolled_back(monitored, settings):
    h = monitored.household
    with chromium() as browser:
        village = _log_in(browser, monitored.base_url, "village")
        case_url = _open_elimination(village, h, monitored.base_url)
        _elimination_village_steps(village)
        township = _log_in(browser, monitored.base_url, "township")
        township.goto(case_url)
        _submit(_step(township, "review"))
        _saved(township)
        expect(township.locator(".case-state")).to_have_text("待县级审定")
        county = _log_in(browser, monitored.base_url, "county")
        _eliminate_and_roll_back(county, case_url, h)
    h.refresh_from_db()
    assert h.status == MonitoringStatus.MONITORED and h.eliminated_on is None
    case = Case.objects.get(household=h)
    assert case.state == "rolled_back" and case.elimination_method == "帮扶消除"
    assert case.steps.get(step="rollback").note == "回访发现家庭成员重病，收入再次低于监测线。"


def _open_elimination(page: Page, h: Household, base_url: str) -> str:
    page.goto(base_url + reverse("household-detail", args=[h.pk]))
    expect(page.locator(".page-head .status")).to_have_text("已纳入监测")
    page.locator(f"a[href='{reverse('case-open', args=[h.pk])}']").click()
    page.select_option("select[name=kind]", "elimination")
    page.fill("textarea[name=note]", "务工收入稳定已满八个月。")
    _shot(page, "30_open_elimination")
    page.locator("form.step-form button[type=submit]").click()
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待条件核查")
    expect(page.locator(".facts")).to_contain_text("边缘易致贫户")
    return page.url


def _elimination_village_steps(page: Page) -> None:
    """The eligibility check (a condition missing is refused with what is missing), the verification visit, the
    appraisal and a notice already posted on the village board for its five days."""
    check = _step(page, "find_eligible")
    check.locator("input[name='eligibility-months_income_above_line']").fill("4")
    for name in ["education_secure", "medical_secure", "housing_secure", "water_secure", "has_labour"]:
        check.locator(f"input[name='eligibility-{name}']").check()
    _submit(check)
    refusal = _step(page, "find_eligible").locator(".alert-error")
    expect(refusal).to_contain_text("收入稳定高于监测线的时间不足")
    expect(refusal).to_contain_text("刚性支出")
    _shot(page, "31_not_yet_eligible")
    check = _step(page, "find_eligible")
    check.locator("input[name='eligibility-months_income_above_line']").fill("8")
    check.locator("input[name='eligibility-rigid_expense_controlled']").check()
    _submit(check)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待入户核实")

    verify = _step(page, "verify")
    verify.locator("textarea[name='verify-findings']").fill("户主在县城稳定务工，三保障和饮水安全均有保障。")
    verify.locator("input[name='verify-residents']").fill("4")
    verify.locator("input[name='verify-wage_income']").fill("52000")
    verify.locator("input[name='verify-business_income']").fill("8000")
    verify.locator("input[name='verify-production_cost']").fill("3000")
    _submit(verify)
    _saved(page)
    expect(page.locator("ol.history")).to_contain_text("¥14,250.00")  # (52,000 + 8,000 − 3,000) / 4

    appraise = _step(page, "appraise")
    expect(appraise.locator("select[name='appraise-category_code']")).to_have_count(0)
    appraise.locator("input[name='appraise-attendance']").fill("18")
    appraise.locator("input[name='appraise-votes_for']").fill("18")
    _submit(appraise)
    _saved(page)

    today = _clock_today()
    publish = _step(page, "publish_notice")
    publish.locator("input[name='notice-starts_on']").fill((today - dt.timedelta(days=6)).isoformat())
    publish.locator("input[name='notice-ends_on']").fill((today - dt.timedelta(days=1)).isoformat())
    _submit(publish)
    _saved(page)
    _submit(_step(page, "close_notice"))
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("待乡镇审核")
    _shot(page, "32_elimination_village_done")


def _eliminate_and_roll_back(page: Page, case_url: str, h: Household) -> None:
    """The county decides in English, then finds the decision wrong and rolls it back with its reason."""
    page.get_by_role("button", name="English").click()
    page.goto(case_url)
    expect(page.locator(".case-state")).to_have_text("waiting for county decision")
    eliminate = _step(page, "eliminate")
    eliminate.locator("input[name='eliminate-method'][value='帮扶消除']").check()
    _shot(page, "33_county_decision_en")
    _submit(eliminate)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("risk eliminated")
    page.locator(".page-head h1 a").click()
    expect(page.locator(".page-head .status")).to_have_text("risk eliminated")

    page.goto(case_url)
    rollback = _step(page, "rollback")
    rollback.locator("textarea[name='rollback-reason']").fill("回访发现家庭成员重病，收入再次低于监测线。")
    _submit(rollback)
    _saved(page)
    expect(page.locator(".case-state")).to_have_text("rolled back (风险消除回退)")
    expect(page.locator("ol.history")).to_contain_text("回访发现家庭成员重病")
    expect(page.locator("ol.history")).to_contain_text("eliminated by assistance")  # the method, not its code
    _shot(page, "34_rolled_back_en")
    page.locator(".page-head h1 a").click()
    expect(page.locator(".page-head .status")).to_have_text("monitored")
