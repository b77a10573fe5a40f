"""The data-quality page: the fix list scoped to the user's area, counts per rule, run history, query count."""

import pytest
from django.conf import settings

from fangpin.accounts.roles import Role
from fangpin.registry.models import Household
from fangpin.screening.models import QualityRun
from tests.factories import UserFactory
from tests.screening.test_quality import _run, clean_household


@pytest.fixture
def checked(county, users):
    """One household without a helper in each of villages A1, A2 and B1, then a run."""
    made = {
        key: clean_household(village, users[Role.COUNTY], helper=None)
        for key, village in [("a1", county.village_a1), ("a2", county.village_a2), ("b1", county.village_b1)]
    }
    _run()
    return made


def _get(client, user, url="/quality/", language="en", **params):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url, params)


def test_a_village_cadre_sees_only_the_issues_of_their_village(client, users, checked):
    response = _get(client, users[Role.VILLAGE])
    assert response.status_code == 200
    numbers = [i.household.number for i in response.context["issues"]]
    assert numbers == [checked["a1"].number]
    assert [(c.code, c.issues) for c in response.context["rule_counts"]] == [("1_07_001", 1)]
    assert checked["b1"].number not in response.content.decode()
    other = _get(client, users[Role.VILLAGE], village=checked["b1"].village_id)
    assert other.status_code == 200
    assert list(other.context["issues"]) == []


def test_a_township_officer_sees_their_villages_and_the_county_sees_all(client, users, checked):
    township = _get(client, users[Role.TOWNSHIP])
    assert {i.household_id for i in township.context["issues"]} == {checked["a1"].pk, checked["a2"].pk}
    county = _get(client, users[Role.COUNTY])
    assert len(county.context["issues"]) == 3


def test_the_page_explains_each_issue_in_the_page_language_with_a_link_to_the_household(
    client, users, checked
):
    zh = _get(client, users[Role.VILLAGE], language="zh-hans").content.decode()
    assert "监测户未明确帮扶责任人" in zh
    assert f'href="/households/{checked["a1"].pk}/"' in zh
    en = _get(client, users[Role.VILLAGE]).content.decode()
    assert "No helper (帮扶责任人) is assigned to the monitored household" in en


def test_the_history_shows_fixed_issues_after_a_re_screen(client, users, checked):
    Household.objects.filter(pk=checked["a1"].pk).update(helper=UserFactory())
    _run()
    response = _get(client, users[Role.COUNTY])
    latest = response.context["runs"][0]
    assert (latest.issues, latest.new_issues, latest.still_open, latest.fixed) == (2, 0, 2, 1)


def test_a_role_without_households_is_refused(client, users, checked):
    assert _get(client, users[Role.ANALYST]).status_code == 403


def test_the_page_makes_a_fixed_number_of_queries(client, users, county, django_assert_num_queries):
    for village in (county.village_a1, county.village_a2, county.village_b1) * 3:
        clean_household(village, users[Role.COUNTY], helper=None)
    _run()
    client.force_login(users[Role.COUNTY])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # session, user, latest run, run history, page count, page rows, division names, counts per rule, and the
    # base template's division: the same for 9 issues in 3 villages as for one
    with django_assert_num_queries(9):
        response = client.get("/quality/")
    assert len(response.context["issues"]) == 9


def test_the_county_starts_a_run_from_the_page_and_others_cannot(
    client, users, checked, django_capture_on_commit_callbacks
):
    client.force_login(users[Role.VILLAGE])
    assert client.post("/quality/run/").status_code == 403
    assert QualityRun.objects.count() == 1
    client.force_login(users[Role.COUNTY])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/quality/run/")
    assert response.status_code == 302
    assert QualityRun.objects.count() == 2  # the test settings run tasks immediately
