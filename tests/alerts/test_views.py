"""The alert queue and the alert page: scope, order, filters, evidence in words, actions, and query counts."""

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from fangpin.accounts.roles import Role
from fangpin.alerts.models import Alert, AlertStatus
from fangpin.alerts.services import alerts_refresh_from_screening
from fangpin.audit.models import AuditEvent
from fangpin.cases.models import Case
from fangpin.cases.services import case_cancel
from fangpin.feeds.services import feed_schemas_install_defaults
from fangpin.registry.models import Household
from tests.alerts.conftest import TODAY, evidence, hit, table
from tests.factories import HouseholdFactory


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def alerts(users, households, run, today):
    """An orange alert in A1, a red one in A2 (the newer), a yellow one in B1."""
    county = users[Role.COUNTY]
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a1"])]), as_of=TODAY
    )
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["a2"], level="red")]), as_of=TODAY
    )
    alerts_refresh_from_screening(
        actor=county, run_id=run.pk, hits=table([hit(households["b1"], "09", level="yellow")]), as_of=TODAY
    )
    Alert.objects.filter(household=households["a2"]).update(
        raised_at=Alert.objects.get(household=households["a1"]).raised_at + dt.timedelta(hours=1)
    )
    return {h: Alert.objects.get(household=households[h]) for h in ("a1", "a2", "b1")}


def test_the_queue_is_scoped_and_sorted_red_first(english, users, alerts):
    response = _login(english, users[Role.TOWNSHIP]).get(reverse("alert-list"))
    assert response.status_code == 200
    shown = [row.alert.pk for row in response.context["rows"]]
    assert shown == [alerts["a2"].pk, alerts["a1"].pk]  # township A: no B1; red before orange


def test_the_queue_sorts_equal_levels_oldest_first(english, users, households, alerts):
    newer = Alert.objects.filter(pk=alerts["a1"].pk)
    newer.update(level="red", raised_at=alerts["a2"].raised_at + dt.timedelta(hours=1))
    response = _login(english, users[Role.COUNTY]).get(reverse("alert-list"))
    assert [r.alert.pk for r in response.context["rows"]] == [
        alerts["a2"].pk,
        alerts["a1"].pk,
        alerts["b1"].pk,
    ]


def test_the_village_cadre_sees_only_the_village(english, users, alerts):
    response = _login(english, users[Role.VILLAGE]).get(reverse("alert-list"))
    assert [r.alert.pk for r in response.context["rows"]] == [alerts["a1"].pk]


def test_the_queue_shows_the_evidence_in_the_page_language(client, users, alerts):
    _login(client, users[Role.VILLAGE])
    assert "医疗自付 23,400 元，超过 20,000 元" in client.get(reverse("alert-list")).content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert (
        "Medical self-payment 23400.00 yuan, above 20,000 yuan"
        in client.get(reverse("alert-list")).content.decode()
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "red"}, ["a2"]),
        ({"risk": "09"}, ["b1"]),
        ({"township": "450123101000"}, ["b1"]),
        ({"village": "450123100201"}, ["a1"]),
        ({"status": "confirmed"}, []),
    ],
)
def test_the_queue_filters(english, users, alerts, params, expected):
    response = _login(english, users[Role.COUNTY]).get(reverse("alert-list"), params)
    assert [r.alert.pk for r in response.context["rows"]] == [alerts[k].pk for k in expected]


def test_closed_alerts_leave_the_default_queue(english, users, alerts):
    Alert.objects.filter(pk=alerts["a1"].pk).update(status=AlertStatus.DISMISSED)
    _login(english, users[Role.COUNTY])
    assert alerts["a1"].pk not in [r.alert.pk for r in english.get(reverse("alert-list")).context["rows"]]
    rows = english.get(reverse("alert-list"), {"status": "all"}).context["rows"]
    assert alerts["a1"].pk in [r.alert.pk for r in rows]


def test_an_overdue_first_visit_is_highlighted(english, users, alerts):
    Alert.objects.filter(pk=alerts["a1"].pk).update(first_visit_due=TODAY - dt.timedelta(days=1))
    response = _login(english, users[Role.VILLAGE]).get(reverse("alert-list"))
    assert response.context["rows"][0].is_overdue
    assert 'class="is-overdue"' in response.content.decode()
    assert "overdue" in response.content.decode()


def test_a_department_officer_is_told_why_the_queue_is_empty(english, users, alerts):
    response = _login(english, users[Role.DEPARTMENT]).get(reverse("alert-list"))
    assert "Department data officers see the data their department sends" in response.content.decode()


def test_the_queue_needs_a_log_in(client, alerts):
    response = client.get(reverse("alert-list"))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_the_queue_runs_a_fixed_number_of_queries(
    english, users, county, run, today, django_assert_num_queries
):
    households = [HouseholdFactory(village=county.village_a1) for _ in range(30)]
    alerts_refresh_from_screening(
        actor=users[Role.COUNTY], run_id=run.pk, hits=table([hit(h) for h in households[:5]]), as_of=TODAY
    )
    _login(english, users[Role.TOWNSHIP])
    # Session, user, filter choices, count, page, self-reports of the page, the audit event (savepoint, chain
    # head, insert, update, release) and the user's division in the page head: 5 alerts or 30.
    with django_assert_num_queries(12):
        english.get(reverse("alert-list"))
    alerts_refresh_from_screening(
        actor=users[Role.COUNTY], run_id=run.pk, hits=table([hit(h) for h in households]), as_of=TODAY
    )
    with django_assert_num_queries(12):
        english.get(reverse("alert-list"))


def test_the_alert_page_shows_the_evidence_and_the_batches(english, users, alerts):
    response = _login(english, users[Role.COUNTY]).get(reverse("alert-detail", args=[alerts["a1"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Medical self-payment 23400.00 yuan, above 20,000 yuan" in html
    assert "High medical self-payment" in html
    assert reverse("feeds-batch", args=[3]) in html
    assert reverse("household-detail", args=[alerts["a1"].household_id]) in html
    assert AuditEvent.objects.filter(action="alert.view", object_id=str(alerts["a1"].pk)).exists()
    # Values under their indicator's label with the unit, and the line in Chinese money style.
    assert "Medical out-of-pocket costs, last 12 months" in html and "23,400 yuan" in html
    assert "Monitoring line used: 6,000 yuan per person a year." in html


def test_the_alert_page_names_the_department_behind_each_batch(english, users, alerts):
    feed_schemas_install_defaults()
    alert = alerts["a1"]
    alert.evidence = {**alert.evidence, "sources": {"health": [3]}}
    alert.save()
    html = _login(english, users[Role.COUNTY]).get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "卫健/医保 · Hospital stays and medical costs: " in html


def test_an_alert_outside_the_area_is_404_and_audited(english, users, alerts):
    _login(english, users[Role.VILLAGE])
    assert english.get(reverse("alert-detail", args=[alerts["b1"].pk])).status_code == 404
    assert english.post(reverse("alert-dismiss", args=[alerts["b1"].pk]), {"reason": "x"}).status_code == 404
    assert AuditEvent.objects.filter(action="alert.denied", object_id=str(alerts["b1"].pk)).count() == 2
    assert Alert.objects.get(pk=alerts["b1"].pk).status == "open"


def test_the_alert_page_offers_only_cadres_of_the_village_and_township(english, users, alerts):
    response = _login(english, users[Role.COUNTY]).get(reverse("alert-detail", args=[alerts["a1"].pk]))
    choices = {u.pk for u in response.context["assign_form"].fields["assignee"].queryset}
    assert choices == {users[Role.VILLAGE].pk, users[Role.TOWNSHIP].pk}


def test_assigning_from_the_page(english, users, alerts):
    _login(english, users[Role.TOWNSHIP])
    url = reverse("alert-assign", args=[alerts["a1"].pk])
    response = english.post(url, {"assignee": users[Role.VILLAGE].pk})
    assert response.status_code == 302
    assert Alert.objects.get(pk=alerts["a1"].pk).assigned_to == users[Role.VILLAGE]


def test_assigning_to_someone_outside_is_refused_on_the_page(english, users, alerts):
    _login(english, users[Role.TOWNSHIP])
    response = english.post(
        reverse("alert-assign", args=[alerts["a1"].pk]), {"assignee": users[Role.COUNTY].pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Alert.objects.get(pk=alerts["a1"].pk).assigned_to is None


def test_confirming_from_the_page_needs_a_note(english, users, alerts):
    _login(english, users[Role.VILLAGE])
    url = reverse("alert-confirm", args=[alerts["a1"].pk])
    response = english.post(url, {"note": "", "visited_on": TODAY.isoformat()})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    response = english.post(url, {"note": "Bills confirmed.", "visited_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert Alert.objects.get(pk=alerts["a1"].pk).status == "confirmed"


def test_dismissing_from_the_page_and_again_is_refused_with_a_message(english, users, alerts):
    _login(english, users[Role.VILLAGE])
    url = reverse("alert-dismiss", args=[alerts["a1"].pk])
    assert (
        english.post(url, {"reason": "Paid by insurance.", "visited_on": TODAY.isoformat()}).status_code
        == 302
    )
    response = english.post(url, {"reason": "Again.", "visited_on": TODAY.isoformat()})
    assert response.status_code == 400
    assert "This alert is already dismissed" in response.content.decode()
    assert Alert.objects.get(pk=alerts["a1"].pk).dismiss_reason == "Paid by insurance."


def test_a_visit_date_in_the_future_is_refused_on_the_page(english, users, alerts):
    _login(english, users[Role.VILLAGE])
    url = reverse("alert-dismiss", args=[alerts["a1"].pk])
    response = english.post(url, {"reason": "x", "visited_on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert "The visit date is in the future" in response.content.decode()
    assert Alert.objects.get(pk=alerts["a1"].pk).status == "open"


def test_the_alert_page_shows_a_self_report_with_the_phone_masked(english, users, county, today):
    from fangpin.alerts.self_reports import SelfReportData, self_report_submit

    report = self_report_submit(
        actor="public",
        data=SelfReportData(
            name="王小明",
            phone="13812341234",
            village_code=county.village_a1.code,
            difficulty="other",
            text="房子漏雨",
        ),
        client_ip="10.0.0.1",
    )
    response = _login(english, users[Role.VILLAGE]).get(reverse("alert-detail", args=[report.alert_id]))
    html = response.content.decode()
    assert "138****1234" in html and "13812341234" not in html
    assert "房子漏雨" in html and "Self-report: Other difficulty" in html
    list_html = english.get(reverse("alert-list")).content.decode()
    assert "王小明" in list_html and "not in the registry" in list_html


def test_evidence_from_every_channel_reads_in_words(english, users, households, alerts):
    from fangpin.alerts.services import alert_raise

    alert_raise(
        actor=users[Role.DEPARTMENT],
        household_id=households["a1"].pk,
        risk_code="01",
        level="red",
        source="feed",
        evidence={"explain": {"zh": "公安推送：户主死亡", "en": "Police report: the head has died"}},
    )
    response = _login(english, users[Role.VILLAGE]).get(reverse("alert-detail", args=[alerts["a1"].pk]))
    html = response.content.decode()
    assert "Police report: the head has died" in html
    assert "Medical self-payment 23400.00 yuan" in html
    assert evidence()["rules"][0]["explain"]["zh"] not in html


def test_the_alert_page_runs_a_fixed_number_of_queries(english, users, alerts, django_assert_num_queries):
    _login(english, users[Role.TOWNSHIP])
    url = reverse("alert-detail", args=[alerts["a1"].pk])
    english.get(url)
    # Session, user, the alert with its village, household and run (one join), the audit event (5), the names
    # of the departments behind its values, its self-reports, its history, the cadres to assign to, and the
    # user's division in the page head.
    with django_assert_num_queries(13):
        english.get(url)


def test_a_cadre_reports_a_risk_found_on_a_visit_from_the_household_page(english, users, households):
    _login(english, users[Role.VILLAGE])
    household = households["a1"]
    assert english.get(f"/households/{household.pk}/alerts/new/").status_code == 200
    response = english.post(
        f"/households/{household.pk}/alerts/new/",
        {"risk_code": "01", "level": "red", "note": "Father in hospital since Monday."},
    )
    assert response.status_code == 302
    alert = Alert.objects.get(household=household)
    assert (alert.source, alert.risk_code, alert.level) == ("visit", "01", "red")
    assert alert.evidence["explain"]["zh"] == "Father in hospital since Monday."


def test_a_cadre_cannot_report_a_risk_for_a_household_of_another_village(english, users, households):
    _login(english, users[Role.VILLAGE])
    other = households["b1"]
    response = english.post(
        f"/households/{other.pk}/alerts/new/", {"risk_code": "01", "level": "red", "note": "x"}
    )
    assert response.status_code == 404
    assert not Alert.objects.exists()


# The visit date and the case a confirmation opens --------------------------------------------------------------


def _visit_dates(html: str) -> list[str]:
    """The values of the visit-date inputs (confirm and dismiss forms), as the browser receives them."""
    inputs = re.findall(r'<input type="date" name="visited_on"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) if "value=" in tag else "" for tag in inputs]


def test_the_visit_date_is_an_iso_date_in_the_chinese_interface(client, users, alerts):
    """<input type="date"> takes only YYYY-MM-DD: the Chinese format (2026/09/29) would come up empty."""
    html = _login(client, users[Role.VILLAGE]).get(reverse("alert-detail", args=[alerts["a1"].pk])).content
    assert _visit_dates(html.decode()) == [TODAY.isoformat(), TODAY.isoformat()]


def test_the_visit_date_is_today_on_the_training_clock(client, users, alerts, settings):
    settings.FANGPIN_CLOCK_OFFSET_DAYS = 3
    html = _login(client, users[Role.VILLAGE]).get(reverse("alert-detail", args=[alerts["a1"].pk])).content
    moved = (TODAY + dt.timedelta(days=3)).isoformat()
    assert _visit_dates(html.decode()) == [moved, moved]


def _confirm_on_the_page(client, alert: Alert) -> None:
    response = client.post(
        reverse("alert-confirm", args=[alert.pk]), {"note": "住院属实。", "visited_on": TODAY.isoformat()}
    )
    assert response.status_code == 302


def test_a_confirmed_alert_links_to_the_identification_case_it_opened(client, users, alerts):
    _login(client, users[Role.VILLAGE])
    html = client.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    assert 'class="case-link"' not in html  # open: no case yet
    _confirm_on_the_page(client, alerts["a1"])
    case = Case.objects.get(alert_id=alerts["a1"].pk)
    html = client.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    link = (
        f'<a class="case-link" href="{reverse("case-detail", args=[case.pk])}">识别认定案件：待承诺授权</a>'
    )
    assert link in html
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    assert "identification (识别认定) case: waiting for consent</a>" in html


def test_the_case_link_follows_the_case_through_its_steps(english, users, alerts):
    _login(english, users[Role.VILLAGE])
    _confirm_on_the_page(english, alerts["a1"])
    case = Case.objects.get(alert_id=alerts["a1"].pk)
    case_cancel(actor=users[Role.TOWNSHIP], case_id=case.pk, reason="重复立案")
    html = english.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    assert (
        f'href="{reverse("case-detail", args=[case.pk])}">identification (识别认定) case: cancelled</a>'
        in html
    )


def test_a_dismissed_alert_links_to_no_case(english, users, alerts):
    _login(english, users[Role.VILLAGE])
    url = reverse("alert-dismiss", args=[alerts["a1"].pk])
    assert (
        english.post(url, {"reason": "Paid by insurance.", "visited_on": TODAY.isoformat()}).status_code
        == 302
    )
    assert (
        'class="case-link"'
        not in english.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    )


def test_the_case_link_is_shown_only_to_those_who_may_open_the_case(english, users, county, alerts):
    """The household moved to the next village after its case opened: the alert stays with the village that
    raised it, the case goes with the household, and the cadre of the first village no longer sees it."""
    _login(english, users[Role.VILLAGE])
    _confirm_on_the_page(english, alerts["a1"])
    case = Case.objects.get(alert_id=alerts["a1"].pk)
    Household.objects.filter(pk=alerts["a1"].household_id).update(village=county.village_a2)
    html = english.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    assert english.get(reverse("case-detail", args=[case.pk])).status_code == 404
    assert 'class="case-link"' not in html and reverse("case-detail", args=[case.pk]) not in html
    _login(english, users[Role.TOWNSHIP])  # the township has both villages
    html = english.get(reverse("alert-detail", args=[alerts["a1"].pk])).content.decode()
    assert f'href="{reverse("case-detail", args=[case.pk])}"' in html


def test_a_confirmed_alert_page_runs_a_fixed_number_of_queries(
    english, users, alerts, django_assert_num_queries
):
    _login(english, users[Role.VILLAGE])
    _confirm_on_the_page(english, alerts["a1"])
    url = reverse("alert-detail", args=[alerts["a1"].pk])
    english.get(url)
    # As an open alert's page, with the case (scoped, one query) in place of the cadres to assign to: a closed
    # alert has no forms.
    with django_assert_num_queries(13):
        english.get(url)
