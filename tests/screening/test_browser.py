"""The county bureau edits the rule set in a real browser: a mistake is pointed at, the fix is dry-run and
activated (issue 5, "the dry run and activation of an edited rule set in the browser")."""

import re

import pytest
from playwright.sync_api import expect

from fangpin.screening.models import RuleSet, RuleSetStatus
from fangpin.screening.rules.loader import default_rule_set_source
from tests.screening.test_services import screened_county  # noqa: F401  (a fixture)
from tests.web.test_browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Each save and the dry run do real work in the request; on a busy two-core machine that can take a while.
expect.set_options(timeout=60_000)


def test_county_fixes_a_rule_dry_runs_it_and_activates_it(live_server, screened_county):  # noqa: F811
    default = default_rule_set_source()
    typo = default.replace("medical_oop_12m > medical_oop_year", "medical_opp_12m > medical_oop_year")
    lower = default.replace("medical_oop_year: 20000", "medical_oop_year: 15000")
    with chromium() as browser:
        page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
        page.goto(live_server.url + "/login/")
        page.fill("input[name=username]", "county")
        page.fill("input[name=password]", "pw-for-tests-1")
        page.locator("button.btn-primary").click()

        page.goto(live_server.url + "/screening/rules/new/")
        page.fill("textarea[name=source]", typo)
        page.locator("form.panel button[type=submit]").click()
        problems = page.locator("#problems")
        expect(problems).to_contain_text("medical_opp_12m")
        expect(problems).to_contain_text("medical_oop_year")  # the rule's code

        page.fill("textarea[name=source]", lower)
        page.fill("input[name=note]", "医疗自付预警线降至 15,000 元")
        page.locator("form.panel button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/screening/rules/\d+/$"))
        expect(page.locator("form[action$='/activate/'] button")).to_be_disabled()

        page.locator("form[action$='/dry-run/'] button").click()  # runs in the request (immediate tasks)
        expect(page).to_have_url(re.compile(r"/screening/runs/\d+/$"))
        expect(page.locator("main")).to_contain_text("已完成")  # else the page shows why the run failed
        page.go_back()
        page.reload()
        expect(page.locator("table.rule-counts")).to_be_visible()
        page.locator("form[action$='/activate/'] button").click()
        expect(page.locator("form[action$='/activate/']")).to_have_count(0)
    statuses = dict(RuleSet.objects.values_list("version", "status"))
    assert statuses == {1: RuleSetStatus.RETIRED, 2: RuleSetStatus.ACTIVE}
