"""A farmer's self-report on a phone, and the cadre who finds it on the queue: Playwright driving Debian's
Chromium against the live server (see tests/web/test_browser.py for why the browser is not downloaded)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from fangpin.alerts.models import SelfReport
from tests.conftest import VILLAGE_A1
from tests.web.test_browser import PHONE, _page_fits, chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("FANGPIN_SCREENSHOTS", "")) if os.environ.get("FANGPIN_SCREENSHOTS") else None


def test_a_farmer_reports_from_the_qr_code_and_the_cadre_finds_it_on_the_queue(live_server, users, settings):
    settings.FANGPIN_SELF_REPORT = {"min_fill_seconds": 0}
    with chromium() as browser:
        reference = _report(browser, live_server.url)
        _queue(browser, live_server.url)
    assert SelfReport.objects.get().reference == reference


def _shot(page, name: str) -> None:
    if SHOTS is not None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _report(browser: Browser, base_url: str) -> str:
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.goto(base_url + reverse("self-report") + f"?v={VILLAGE_A1}")
    expect(page.locator("h1")).to_have_text("一键申报")
    expect(page.locator(".fixed-village")).to_contain_text("东岭村")
    _page_fits(page)
    page.fill("input[name=name]", "王小明")
    page.fill("input[name=phone]", "1381234")
    page.get_by_label("家中发生意外事故或亲人去世").check()
    _shot(page, "self_report")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".errorlist")).to_contain_text("请填写大陆手机号码")
    page.fill("input[name=phone]", "13812341234")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("h1")).to_have_text("申报已收到")
    reference = page.locator(".reference").inner_text().strip()
    _shot(page, "self_report_done")
    page.get_by_role("link", name="查询办理进度").click()
    page.fill("input[name=reference]", reference.lower())
    page.fill("input[name=phone]", "13812341234")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".report-state")).to_contain_text("已收到")
    _page_fits(page)
    context.close()
    return reference


def _queue(browser: Browser, base_url: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + reverse("login"))
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", "pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    page.goto(base_url + reverse("alert-list"))
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page.locator("table.data")).to_contain_text("一键申报：家中发生意外事故或亲人去世")
    _shot(page, "alert_list")
    page.locator("table.data tbody tr a").first.click()
    expect(page.locator("main")).to_contain_text("138****1234")
    _shot(page, "alert_detail")
    page.set_viewport_size(PHONE)
    page.reload()
    _page_fits(page)
    context.close()
