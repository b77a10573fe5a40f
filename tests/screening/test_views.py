"""The county bureau's screening pages: writing a version, the dry run, activation, runs."""

import pytest

from fangpin.accounts.roles import Role
from fangpin.alerts.models import Alert
from fangpin.screening import services
from fangpin.screening.models import RuleSet, RuleSetStatus, RunKind, ScreeningRun
from fangpin.screening.rules.loader import default_rule_set_source
from tests.screening.test_services import screened_county  # noqa: F401  (a fixture)


@pytest.fixture
def county_client(client, users, settings):
    services.rule_set_install_default(actor="test")
    client.force_login(users[Role.COUNTY])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages speak Chinese unless asked otherwise
    return client


@pytest.mark.django_db
def test_the_rule_pages_show_the_active_version_and_its_rules(county_client):
    active = RuleSet.objects.get()
    home = county_client.get("/screening/").content.decode()
    assert "rule set version 1" in home
    listing = county_client.get("/screening/rules/").content.decode()
    assert f"/screening/rules/{active.pk}/" in listing
    detail = county_client.get(f"/screening/rules/{active.pk}/").content.decode()
    assert "medical_oop_12m &gt; medical_oop_year" in detail


@pytest.mark.django_db
def test_a_rule_set_with_a_mistake_is_shown_back_with_the_rule_and_the_word(county_client):
    text = default_rule_set_source().replace("medical_oop_12m > medical_oop_year", "medical_opp_12m > 1")
    response = county_client.post("/screening/rules/new/", {"source": text, "note": "typo"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "medical_opp_12m" in page and "medical_oop_year" in page and "did you mean" in page.lower()
    assert RuleSet.objects.count() == 1


@pytest.mark.django_db
def test_a_valid_edit_is_saved_as_a_draft_that_cannot_be_activated_before_its_dry_run(county_client):
    text = default_rule_set_source().replace("20000", "15000")
    response = county_client.post("/screening/rules/new/", {"source": text, "note": "lower threshold"})
    draft = RuleSet.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == f"/screening/rules/{draft.pk}/"
    assert draft.status == RuleSetStatus.DRAFT
    county_client.post(f"/screening/rules/{draft.pk}/activate/")
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT


@pytest.mark.django_db
def test_dry_run_then_activate_in_the_pages(client, screened_county, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(screened_county[Role.COUNTY])
    text = default_rule_set_source().replace("20000", "15000")
    client.post("/screening/rules/new/", {"source": text, "note": "lower threshold"})
    draft = RuleSet.objects.get(version=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/screening/rules/{draft.pk}/dry-run/")
    run = ScreeningRun.objects.get(kind=RunKind.DRY_RUN)
    assert response["Location"] == f"/screening/runs/{run.pk}/"
    page = client.get(f"/screening/rules/{draft.pk}/").content.decode()
    assert "城关镇" in page or "镇" in page  # the per-township table of the dry run
    assert not Alert.objects.filter(source="rule").exists()
    client.post(f"/screening/rules/{draft.pk}/activate/")
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/screening/", {"engine": "duckdb", "as_of": "2026-10"})
    assert Alert.objects.filter(source="rule").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWNSHIP, Role.DEPARTMENT])
def test_screening_pages_are_the_county_bureaus(client, users, role):
    services.rule_set_install_default(actor="test")
    client.force_login(users[role])
    assert client.get("/screening/").status_code == 403
    assert client.get("/screening/rules/new/").status_code == 403
