"""A village cadre's journey in a real browser: Playwright driving Debian's Chromium against the live server.

Browser downloads are impossible here, so the test launches /usr/bin/chromium; if it is missing the test
fails (it is not skipped), because a browser test that silently does not run proves nothing.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from fangpin.audit.models import AuditEvent
from fangpin.registry.codes import Relation
from fangpin.registry.models import Member
from tests.factories import MemberFactory, make_id_number

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from such a thread
# unless told that this is a test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium's own words and formats (a date field's 2026/11/26, "请填写此字段。") in the Chinese users see. On Linux
# Chromium takes them from LANGUAGE, not from --lang, and only with Debian's chromium-l10n installed (without it
# there is only en-US). What a page asks for is each context's `locale`, sent as Accept-Language (tested below).
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "zh_CN"}
PHONE = {"width": 360, "height": 740}

# live_server makes the test transactional (the server thread needs committed rows). No serialized_rollback:
# pytest-django runs transactional tests last, and restoring the snapshot after another transactional test's
# flush collides with the content types that flush re-created.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def chromium() -> Iterator[Browser]:
    # Asserted inside the test, so a missing browser is a failure, not a skip or a fixture error.
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=CHROMIUM_ENV)
        try:
            yield browser
        finally:
            browser.close()


def _page_fits(page: Page) -> None:
    width = page.evaluate("document.body.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def test_village_cadre_finds_a_household_reveals_an_id_and_works_in_english_on_a_phone(
    live_server, users, households
):
    id_number = make_id_number()
    member = MemberFactory(
        household=households["a1"],
        name="李秀英",
        name_initials="lxy",
        relation=Relation.SPOUSE,
        id_number=id_number,
    )
    with chromium() as browser:
        _journey(browser, live_server.url, households, member=member, id_number=id_number)
    # Queries stay outside Playwright's context: Django's connections are per context, and one opened inside it
    # would outlive the test and keep PostgreSQL from dropping the test database.
    assert AuditEvent.objects.filter(action="member.id_number.reveal", object_id=str(member.pk)).exists()


def _journey(browser: Browser, base_url: str, households, *, member: Member, id_number: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    page.goto(base_url + reverse("login"))
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", "pw-for-tests-1")
    page.get_by_role("button", name="登录").click()

    # Staff land on their inbox; the list from the menu holds only the cadre's own village.
    expect(page.locator("h1")).to_have_text("我的待办")
    page.locator("nav.mainnav").get_by_role("link", name="农户", exact=False).first.click()
    expect(page.locator("h1")).to_have_text("农户")
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.data")).to_contain_text(households["a1"].number)
    expect(page.locator("table.data")).not_to_contain_text(households["a2"].number)
    expect(page.locator("table.data")).not_to_contain_text(households["b1"].number)

    # The household page, and "show" on an ID number.
    page.get_by_role("link", name=households["a1"].number).click()
    expect(page.locator("h1")).to_contain_text(households["a1"].number)
    id_cell = page.locator(f"#id-number-{member.pk}")
    expect(id_cell).to_have_text(member.id_number_masked)
    id_cell.locator("xpath=..").get_by_role("button", name="显示").click()
    expect(id_cell).to_have_text(id_number)

    # English.
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text(f"Household {households['a1'].number}")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # A 360-px phone: nothing sticks out of the page on the household page or the list.
    page.set_viewport_size(PHONE)
    page.reload()
    _page_fits(page)
    page.goto(base_url + reverse("household-list"))
    expect(page.locator("h1")).to_have_text("Households")
    _page_fits(page)
    context.close()


@pytest.mark.parametrize(("locale", "language"), [("en-US", "en-US"), ("zh-CN", "zh-CN")])
def test_a_browser_context_asks_for_its_own_locale_whatever_chromiums_interface_language(
    live_server, locale, language
):
    with chromium() as browser:
        page = browser.new_context(locale=locale).new_page()
        response = page.goto(live_server.url + reverse("login"))
        assert response is not None and response.ok
        assert response.request.all_headers()["accept-language"].split(",")[0] == language
        assert page.evaluate("navigator.language") == language
