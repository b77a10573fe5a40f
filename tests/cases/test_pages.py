"""The case pages: the queue, a case with the form of my next step, a step posted, another village's case
(404, audited), opening a case, and query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.cases import services
from fangpin.cases.models import CaseAttachment
from fangpin.cases.workflow import State
from fangpin.registry.codes import MonitoringStatus
from fangpin.registry.models import Household
from tests.cases.conftest import VERIFICATION, drive


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """Pages speak Chinese unless the user chose English (a cookie); these tests read the English ones."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def village_client(client, users):
    client.force_login(users[Role.VILLAGE])
    return client


def test_the_refusal_is_in_chinese_by_default(client, open_case, users, settings):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    client.force_login(users[Role.COUNTY])
    body = client.post(reverse("case-step", args=[open_case.pk, "approve"]), follow=True).content.decode()
    assert "该案件当前处于“待承诺授权”环节，县级乡村振兴部门不能进行“审批”操作。" in body


def test_the_queue_lists_my_cases_with_their_deadline(village_client, open_case, django_assert_num_queries):
    with django_assert_num_queries(11):  # session, user, count, page, heads, audit (5), division
        response = village_client.get(reverse("case-queue"))
    body = response.content.decode()
    assert response.status_code == 200
    assert open_case.household.number in body
    assert "deadline-on_time" in body


def test_the_queue_query_count_does_not_grow_with_cases(
    village_client, open_case, households, users, django_assert_num_queries
):
    services.case_open_identification(actor=users[Role.VILLAGE], household_id=households["a1b"].pk)
    with django_assert_num_queries(11):
        village_client.get(reverse("case-queue"))


def test_an_overdue_case_is_red_in_the_township_queue(client, households, users):
    case = services.case_open_identification(
        actor=users[Role.VILLAGE], household_id=households["a1"].pk, started_on=dt.date(2025, 9, 26)
    )
    client.force_login(users[Role.TOWNSHIP])
    body = client.get(reverse("case-queue")).content.decode()
    assert f'href="{reverse("case-detail", args=[case.pk])}"' in body
    assert "row-red" in body


def test_the_case_page_shows_the_form_of_my_next_step(village_client, open_case, django_assert_num_queries):
    with django_assert_num_queries(12):
        response = village_client.get(reverse("case-detail", args=[open_case.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("case-step", args=[open_case.pk, "consent"]) in body
    assert reverse("case-step", args=[open_case.pk, "approve"]) not in body


def test_the_county_sees_no_form_while_the_village_is_at_work(client, open_case, users):
    client.force_login(users[Role.COUNTY])
    body = client.get(reverse("case-detail", args=[open_case.pk])).content.decode()
    assert reverse("case-step", args=[open_case.pk, "consent"]) not in body
    assert reverse("case-step", args=[open_case.pk, "green_channel"]) in body


def test_posting_a_step_moves_the_case(village_client, open_case):
    response = village_client.post(
        reverse("case-step", args=[open_case.pk, "consent"]),
        {
            "consent-method": "attestation",
            "consent-signed_on": "2026-01-05",
            "consent-attestation": "户主签字",
        },
    )
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.state == State.VERIFICATION


def test_bad_input_shows_the_form_again_with_the_error(village_client, open_case):
    response = village_client.post(
        reverse("case-step", args=[open_case.pk, "consent"]),
        {"consent-method": "form", "consent-signed_on": "2026-01-05"},
    )
    assert response.status_code == 400
    assert "Upload the scanned consent form." in response.content.decode()
    open_case.refresh_from_db()
    assert open_case.state == State.CONSENT


def test_a_step_out_of_turn_is_refused_with_a_message(client, open_case, users):
    client.force_login(users[Role.COUNTY])
    response = client.post(
        reverse("case-step", args=[open_case.pk, "approve"]), {"approve-note": ""}, follow=True
    )
    assert "a village cadre" not in response.content.decode()
    assert "the county bureau cannot approve it" in response.content.decode()
    open_case.refresh_from_db()
    assert open_case.state == State.CONSENT


def test_a_case_of_another_village_is_not_found_and_audited(client, open_case, cadre_a2):
    client.force_login(cadre_a2)
    assert client.get(reverse("case-detail", args=[open_case.pk])).status_code == 404
    response = client.post(
        reverse("case-step", args=[open_case.pk, "consent"]),
        {"consent-method": "attestation", "consent-signed_on": "2026-01-05", "consent-attestation": "x"},
    )
    assert response.status_code == 404
    assert (
        AuditEvent.objects.filter(
            action="case.denied", object_id=str(open_case.pk), actor_id=cadre_a2.pk
        ).count()
        == 2
    )
    assert open_case.household.number not in client.get(reverse("case-queue")).content.decode()
    open_case.refresh_from_db()
    assert open_case.state == State.CONSENT


def test_opening_a_case_from_the_household(village_client, households):
    url = reverse("case-open", args=[households["a1"].pk])
    assert village_client.get(url).status_code == 200
    response = village_client.post(url, {"kind": "identification", "risk_codes": ["01", "05"], "note": ""})
    assert response.status_code == 302
    case = Household.objects.get(pk=households["a1"].pk).cases.get()
    assert case.risk_codes == ["01", "05"]


def test_the_open_case_page_offers_only_the_procedure_the_household_can_start(village_client, households):
    body = village_client.get(reverse("case-open", args=[households["a1"].pk])).content.decode()
    assert 'value="identification"' in body and 'value="elimination"' not in body
    Household.objects.filter(pk=households["a1"].pk).update(status=MonitoringStatus.MONITORED)
    body = village_client.get(reverse("case-open", args=[households["a1"].pk])).content.decode()
    assert 'value="elimination"' in body and 'value="identification"' not in body
    assert 'name="risk_codes"' not in body  # an elimination takes the household's own risk types
    response = village_client.post(
        reverse("case-open", args=[households["a1"].pk]), {"kind": "identification", "note": ""}
    )
    assert response.status_code == 200 and not Household.objects.get(pk=households["a1"].pk).cases.exists()


def test_the_open_case_page_of_another_villages_household_is_not_found_and_audited(
    client, households, cadre_a2
):
    client.force_login(cadre_a2)
    assert client.get(reverse("case-open", args=[households["a1"].pk])).status_code == 404
    assert AuditEvent.objects.filter(
        action="case.open.denied", object_id=str(households["a1"].pk), actor_id=cadre_a2.pk
    ).exists()


def test_the_whole_case_page_after_approval_shows_the_history(client, open_case, users):
    case = drive(open_case, users, to=State.APPROVED)
    client.force_login(users[Role.COUNTY])
    body = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert body.count('class="is-') >= 8
    assert reverse("notice-detail", args=[case.notice_id]) in body


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_is_shown_to_the_village_and_not_to_another(
    client, open_case, users, cadre_a2, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    case = drive(open_case, users, to=State.VERIFICATION)
    services.case_verify(
        actor=users[Role.VILLAGE],
        case_id=case.pk,
        data=VERIFICATION,
        photos=[SimpleUploadedFile("家门口.png", PNG, content_type="image/png")],
    )
    attachment = CaseAttachment.objects.get()
    client.force_login(users[Role.VILLAGE])
    response = client.get(reverse("case-attachment", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    client.force_login(cadre_a2)
    assert client.get(reverse("case-attachment", args=[attachment.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="case.attachment.denied", actor_id=cadre_a2.pk).exists()


def test_the_eligibility_form_moves_an_elimination_on(village_client, open_case, users):
    drive(open_case, users, to=State.APPROVED)
    case = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=open_case.household_id)
    fields = [
        "education_secure",
        "medical_secure",
        "housing_secure",
        "water_secure",
        "rigid_expense_controlled",
    ]
    data = {f"eligibility-{f}": "on" for f in [*fields, "has_labour"]} | {
        "eligibility-months_income_above_line": "7"
    }
    response = village_client.post(reverse("case-step", args=[case.pk, "find_eligible"]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.VERIFICATION
