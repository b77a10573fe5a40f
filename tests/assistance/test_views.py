"""The assistance pages: scoped (404 and audited outside the area), the forms write through the services,
and each list runs a fixed number of queries."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pyxform.xls2xform import convert

from fangpin.accounts.roles import Role
from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel
from fangpin.assistance.models import Measure, Plan, RiskSuggestion, Visit
from fangpin.assistance.services import MeasureData, helper_assign, measure_add, plan_create
from fangpin.audit.models import AuditEvent
from fangpin.registry.models import IncomeRecord
from tests.assistance.conftest import monitored

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _login(client, users, role: Role):
    client.force_login(users[role])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _add(actor, household, measure_type="health", risk_code="01"):
    return measure_add(
        actor=actor,
        household_id=household.pk,
        data=MeasureData(
            risk_code=risk_code,
            measure_type=measure_type,
            provider="县医保局",
            start_date=dt.date(2025, 3, 1),
        ),
    )


def test_the_plan_page_shows_measures_suggestions_helper_and_the_labour_warning(client, users, home, plan):
    _add(users[Role.VILLAGE], home)
    html = (
        _login(client, users, Role.VILLAGE).get(reverse("assistance-plan", args=[home.pk])).content.decode()
    )
    assert "县医保局" in html
    assert "has labour but no development measure" in html
    assert "health assistance and insurance top-up" in html  # the suggestion for risk 01
    employment = RiskSuggestion.objects.get(risk_code="07", measure_type__code="employment")
    assert f"?suggestion={employment.pk}" in html
    assert "none assigned" in html
    assert AuditEvent.objects.filter(action="assistance.plan.view", object_id=str(home.pk)).exists()


def test_the_warning_goes_once_a_development_measure_is_planned(client, users, home, plan):
    _add(users[Role.VILLAGE], home, "employment", "07")
    html = (
        _login(client, users, Role.VILLAGE).get(reverse("assistance-plan", args=[home.pk])).content.decode()
    )
    assert "has labour but no development measure" not in html


def test_the_plan_page_runs_a_fixed_number_of_queries(client, users, home, plan, django_assert_num_queries):
    for _ in range(3):
        _add(users[Role.VILLAGE], home)
    Visit.objects.create(household=home, visitor=users[Role.VILLAGE], visited_on=TODAY)
    _login(client, users, Role.VILLAGE)
    # session, user, household, plan, suggestions, the audit write (5 with its savepoint), measures, the
    # labour rule, visits, and the user's division in the top bar: whatever the number of measures and visits
    with django_assert_num_queries(14):
        response = client.get(reverse("assistance-plan", args=[home.pk]))
    assert response.status_code == 200


def test_a_plan_of_another_village_is_404_and_the_look_is_audited(client, users, away):
    response = _login(client, users, Role.VILLAGE).get(reverse("assistance-plan", args=[away.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="assistance.household.denied", object_id=str(away.pk)).exists()
    for name in ["assistance-measure-add", "assistance-visit", "assistance-helper"]:
        assert client.get(reverse(name, args=[away.pk])).status_code == 404


def test_a_plan_is_opened_from_the_page(client, users, home):
    _login(client, users, Role.VILLAGE)
    response = client.post(reverse("assistance-plan-create", args=[home.pk]), {"level": FollowUpLevel.RED})
    assert response.status_code == 302
    assert Plan.objects.get().level == FollowUpLevel.RED


def test_a_measure_is_added_from_a_suggestion(client, users, home, plan):
    _login(client, users, Role.VILLAGE)
    suggestion = RiskSuggestion.objects.get(risk_code="07", measure_type__code="public-welfare-job")
    url = reverse("assistance-measure-add", args=[home.pk])
    form = client.get(url, {"suggestion": suggestion.pk}).content.decode()
    assert re.search(r'<option value="public-welfare-job" selected>', form)
    assert re.search(r'<option value="07" selected>', form)
    assert client.get(url, {"suggestion": "x'"}).status_code == 200  # a mangled link is just no suggestion
    response = client.post(
        url,
        {"risk_code": "07", "measure_type": "public-welfare-job", "provider": "村委会", "amount": "6,000",
         "start_date": "2025-04-01", "end_date": "2025-12-31"},
    )  # fmt: skip
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.measure_type.code, str(measure.amount), measure.plan) == (
        "public-welfare-job",
        "6000.00",
        plan,
    )


def test_a_bad_measure_shows_the_reason_on_its_field_and_saves_nothing(client, users, home, plan):
    _login(client, users, Role.VILLAGE)
    response = client.post(
        reverse("assistance-measure-add", args=[home.pk]),
        {
            "risk_code": "07",
            "measure_type": "employment",
            "provider": "人社局",
            "amount": "-5",
            "start_date": "2025-04-01",
        },
    )
    assert response.status_code == 200
    assert "An amount cannot be negative." in response.content.decode()
    response = client.post(
        reverse("assistance-measure-add", args=[home.pk]),
        {"risk_code": "07", "measure_type": "employment", "provider": "人社局", "start_date": "2025-04-01",
         "end_date": "2025-01-01"},
    )  # fmt: skip
    assert "The measure cannot end before it starts." in response.content.decode()
    assert not Measure.objects.exists()


def test_a_measure_delivery_is_recorded_on_its_edit_page(client, users, home, plan):
    measure = _add(users[Role.VILLAGE], home)
    _login(client, users, Role.TOWNSHIP)
    url = reverse("assistance-measure-edit", args=[measure.pk])
    assert "县医保局" in client.get(url).content.decode()
    response = client.post(
        url,
        {"risk_code": "01", "measure_type": "health", "provider": "县医保局", "amount": "800", "start_date": "2025-03-01",
         "delivery_status": "failed", "delivered_on": "2025-04-01", "delivery_note": ""},
    )  # fmt: skip
    assert "Say why the measure failed." in response.content.decode()
    measure.refresh_from_db()
    assert measure.delivery_status == DeliveryStatus.PLANNED


def test_an_analyst_cannot_open_the_measure_form(client, users, home, plan):
    response = _login(client, users, Role.ANALYST).get(reverse("assistance-measure-add", args=[home.pk]))
    assert response.status_code == 404  # an analyst sees no household files at all


def test_a_township_officer_assigns_the_helper_and_a_cadre_cannot(client, users, home):
    _login(client, users, Role.VILLAGE)
    assert client.get(reverse("assistance-helper", args=[home.pk])).status_code == 403
    _login(client, users, Role.TOWNSHIP)
    form = client.get(reverse("assistance-helper", args=[home.pk])).content.decode()
    assert f'value="{users[Role.VILLAGE].pk}"' in form
    assert f'value="{users[Role.ANALYST].pk}"' not in form
    response = client.post(reverse("assistance-helper", args=[home.pk]), {"helper": users[Role.VILLAGE].pk})
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.helper == users[Role.VILLAGE]


def test_a_visit_is_recorded_with_income_and_measure_delivery(client, users, home, plan):
    measure = _add(users[Role.VILLAGE], home)
    _login(client, users, Role.VILLAGE)
    url = reverse("assistance-visit", args=[home.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"visited_on": TODAY.isoformat(), "findings": "病情稳定", "record_income": "on", "wage_income": "2,000",
         f"measure_{measure.pk}": "delivered", f"measure_{measure.pk}_note": "已报销"},
    )  # fmt: skip
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.income_record == IncomeRecord.objects.get()
    measure.refresh_from_db()
    assert measure.delivery_status == DeliveryStatus.DELIVERED
    assert visit.measures.get().note == "已报销"


def test_a_visit_in_the_future_is_refused_on_its_field(client, users, home):
    _login(client, users, Role.VILLAGE)
    response = client.post(
        reverse("assistance-visit", args=[home.pk]),
        {"visited_on": (TODAY + dt.timedelta(days=2)).isoformat()},
    )
    assert "The visit date is in the future." in response.content.decode()
    assert not Visit.objects.exists()


@pytest.fixture
def rounds(users, county):
    cadre = users[Role.VILLAGE]
    result = []
    for i in range(4):
        household = monitored(county.village_a1, identified_on=TODAY - dt.timedelta(days=200))
        plan_create(
            actor=cadre, household_id=household.pk, level=FollowUpLevel.RED if i % 2 else FollowUpLevel.YELLOW
        )
        helper_assign(actor=users[Role.TOWNSHIP], household_id=household.pk, helper_id=cadre.pk)
        result.append(household)
    Visit.objects.create(household=result[0], visitor=cadre, visited_on=TODAY)
    return result


def test_my_follow_ups_list_overdue_first_in_a_fixed_number_of_queries(
    client, users, rounds, django_assert_num_queries
):
    _login(client, users, Role.VILLAGE)
    with django_assert_num_queries(6):  # session, user, two time limits, the households, the top bar
        html = client.get(reverse("assistance-my-follow-ups")).content.decode()
    positions = [html.index(h.number) for h in rounds]
    assert positions[0] == max(positions)  # visited today: last
    assert html.count('class="is-overdue"') == 3


def test_overdue_follow_ups_per_helper_for_the_township_officer(
    client, users, rounds, django_assert_num_queries
):
    _login(client, users, Role.TOWNSHIP)
    helperless = monitored(rounds[0].village)
    # session, user, two limits, the households, the labour rule, households without helper, top bar
    with django_assert_num_queries(8):
        html = client.get(reverse("assistance-overdue")).content.decode()
    assert html.count('class="is-overdue"') == 4  # the three of the helper, and the one without a helper
    assert reverse("assistance-helper", args=[helperless.pk]) in html
    assert rounds[0].number in html  # listed under "labour but no development measure"
    assert _login(client, users, Role.VILLAGE).get(reverse("assistance-overdue")).status_code == 403


def test_the_visit_form_downloads_as_an_xlsform(client, users):
    response = _login(client, users, Role.VILLAGE).get(reverse("assistance-visit-form"))
    assert response["Content-Disposition"] == 'attachment; filename="fangpin_visit.xlsx"'
    import io

    assert 'id="fangpin_visit"' in convert(io.BytesIO(response.content), file_type=".xlsx").xform


def test_submissions_are_uploaded_and_their_problems_shown(client, users, home):
    header = "visit/household_number,visit/visit_date,visit/income_update,visit/wage_income,meta/instanceID\n"
    rows = f"{home.number},{TODAY.isoformat()},yes,100,uuid:1\nH-NONE,{TODAY.isoformat()},no,,uuid:2\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("kobo.csv", (header + rows).encode(), content_type="text/csv")
    html = (
        _login(client, users, Role.VILLAGE)
        .post(reverse("assistance-visits-import"), {"file": upload})
        .content.decode()
    )
    assert "1 visits imported, 0 already imported, 1 problems." in html
    assert "Unknown household number H-NONE." in html
    assert Visit.objects.count() == 1


def test_the_plan_page_speaks_chinese_by_default(client, users, home, plan):
    client.force_login(users[Role.VILLAGE])
    html = client.get(reverse("assistance-plan", args=[home.pk])).content.decode()
    assert "帮扶计划" in html
    assert "这户有劳动力，但帮扶计划中没有开发式帮扶措施" in html
    assert "医疗救助、参保资助" in html  # the suggestion's Chinese advice
