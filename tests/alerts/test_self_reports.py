"""一键申报: the service behind the public page, its refusals, and the public pages themselves."""

import re
import time

import pytest
from django.core import signing
from django.urls import reverse

from fangpin.alerts.forms import _STARTED_SALT
from fangpin.alerts.models import Alert, SelfReport
from fangpin.alerts.self_reports import (
    SelfReportData,
    normalize_phone,
    self_report_status,
    self_report_submit,
)
from fangpin.audit.models import AuditEvent
from fangpin.core.crypto import decrypt_text
from fangpin.core.errors import PermissionDenied, ValidationError
from tests.conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2
from tests.factories import HouseholdFactory, MemberFactory

PUBLIC = "public"  # the actor of a report from the public page (an anonymous visitor)


def _data(**kwargs) -> SelfReportData:
    fields = {
        "name": "张伟",
        "phone": "13812341234",
        "village_code": VILLAGE_A1,
        "difficulty": "illness",
        "text": "父亲住院，花了三万多。",
    }
    return SelfReportData(**{**fields, **kwargs})


def _submit(ip: str = "10.0.0.1", **kwargs) -> SelfReport:
    return self_report_submit(actor=PUBLIC, data=_data(**kwargs), client_ip=ip)


# --- the service ------------------------------------------------------------------------------------------------


def test_a_name_shared_by_two_households_of_the_village_is_not_matched(households, today):
    report = _submit()  # the heads of households["a1"] and ["a1b"] are both called 张伟
    assert report.household_id is None


def test_a_name_that_identifies_one_household_in_the_village_is_matched(county, today):
    household = HouseholdFactory(village=county.village_a2)
    MemberFactory(household=household, name="李秀英")
    report = _submit(name="李秀英", village_code=VILLAGE_A2)
    assert report.household_id == household.pk
    alert = report.alert
    assert (alert.household_id, alert.source, alert.risk_code, alert.village_id) == (
        household.pk,
        "self_report",
        "01",
        VILLAGE_A2,
    )
    # The village checks a self-report within 2 working days: from Tuesday 29 September to Thursday 8 October,
    # over the National Day holiday.
    assert str(alert.first_visit_due) == "2026-10-08"


def test_a_report_from_someone_not_in_the_registry_still_raises_an_alert(county, today):
    report = _submit(name="王小明", difficulty="disaster")
    assert report.household_id is None
    assert (report.alert.household_id, report.alert.risk_code, report.alert.level) == (None, "02", "orange")
    assert report.alert.evidence["explain"]["en"] == "Self-report: Flood, drought or another disaster"
    assert report.alert.evidence["explain"]["zh"].startswith("一键申报")


def test_the_phone_is_stored_encrypted_and_shown_masked(county, today):
    report = _submit(phone="138-1234-1234")
    assert report.phone_masked == "138****1234"
    assert decrypt_text(report.phone_encrypted) == "13812341234"
    assert "13812341234" not in str(AuditEvent.objects.get(action="self_report.submit").data)


def test_the_confirmation_number_is_eight_characters_of_crockford_base32(county, today):
    references = {_submit(ip=f"10.0.0.{i}", phone=f"1391234000{i}").reference for i in range(3)}
    assert len(references) == 3
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", r) for r in references)


def test_the_same_person_reporting_again_joins_the_open_alert(county, today):
    first = _submit(name="王小明")
    second = _submit(name="王小明", text="还没有人来。")
    assert second.alert_id == first.alert_id
    assert Alert.objects.count() == 1


def test_a_matched_household_with_an_open_alert_of_that_risk_gets_no_second_one(county, today):
    household = HouseholdFactory(village=county.village_a2)
    MemberFactory(household=household, name="李秀英")
    first = _submit(name="李秀英", village_code=VILLAGE_A2, phone="13812340001")
    second = _submit(name="李秀英", village_code=VILLAGE_A2, phone="13812340002")
    assert second.alert_id == first.alert_id
    assert len(Alert.objects.get().evidence["added"]) == 1


@pytest.mark.parametrize("phone", ["1381234123", "23812341234", "12812341234", "1381234123x", ""])
def test_a_malformed_phone_number_is_refused(county, phone):
    with pytest.raises(ValidationError, match="Enter a mainland mobile number: 11 digits"):
        _submit(phone=phone)
    assert not SelfReport.objects.exists()
    assert not Alert.objects.exists()


def test_a_phone_number_with_the_country_code_is_accepted():
    assert normalize_phone("+86 138 1234 1234") == "13812341234"


@pytest.mark.parametrize("code", ["450123100299", TOWNSHIP_A, "not-a-code", ""])
def test_an_unknown_village_is_refused(county, code):
    with pytest.raises(ValidationError, match="This village is not known here"):
        _submit(village_code=code)
    assert not SelfReport.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "Enter your name"),
        ({"difficulty": "boredom"}, "Choose the kind of difficulty"),
        ({"text": "苦" * 501}, "Keep the description under 500 characters"),
    ],
)
def test_other_bad_input_is_refused(county, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        _submit(**kwargs)
    assert not SelfReport.objects.exists()


def test_more_than_five_reports_an_hour_from_one_address_are_refused(county, today):
    for i in range(5):
        _submit(phone=f"1391234000{i}")
    with pytest.raises(PermissionDenied, match="Too many reports have been sent from this network"):
        _submit(phone="13912340009")
    assert SelfReport.objects.count() == 5
    assert _submit(ip="10.0.0.2", phone="13912340009")  # another address is not affected


def test_more_than_three_reports_a_day_from_one_phone_are_refused(county, today):
    for i in range(3):
        _submit(ip=f"10.0.1.{i}")
    with pytest.raises(PermissionDenied, match="This phone number has already sent several reports today"):
        _submit(ip="10.0.1.9")
    assert SelfReport.objects.count() == 3


def test_the_status_is_shown_for_the_number_and_phone_together(county, today):
    report = _submit()
    status = self_report_status(
        reference=report.reference.lower(), phone="138 1234 1234", client_ip="10.0.0.1"
    )
    assert (status.reference, status.status, status.village_name) == (report.reference, "open", "东岭村")


def test_the_status_is_refused_with_another_phone(county, today):
    report = _submit()
    with pytest.raises(ValidationError, match="No report has this confirmation number and phone number"):
        self_report_status(reference=report.reference, phone="13900000000", client_ip="10.0.0.1")


def test_status_look_ups_are_rate_limited(county, settings):
    settings.FANGPIN_SELF_REPORT = {"status_checks_per_ip_per_hour": 2}
    for _ in range(2):
        with pytest.raises(ValidationError):
            self_report_status(reference="ABCDEFGH", phone="13900000000", client_ip="10.0.0.1")
    with pytest.raises(PermissionDenied, match="Too many look-ups"):
        self_report_status(reference="ABCDEFGH", phone="13900000000", client_ip="10.0.0.1")


# --- the public pages -----------------------------------------------------------------------------------------


def _started(seconds_ago: float = 10) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=_STARTED_SALT)


def _post(**kwargs) -> dict:
    return {
        "name": "王小明",
        "phone": "13812341234",
        "village": VILLAGE_A1,
        "difficulty": "accident",
        "text": "",
        "website": "",
        "started": _started(),
        **kwargs,
    }


def test_the_public_page_opens_without_a_log_in_and_lists_villages_by_township(client, county):
    response = client.get(reverse("self-report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "一键申报" in html  # Chinese by default
    assert '<optgroup label="城关镇">' in html
    assert "东岭村" in html and "石门村" in html


def test_the_qr_code_fixes_the_village(client, county):
    response = client.get(reverse("self-report"), {"v": VILLAGE_A2})
    html = response.content.decode()
    assert "<strong>西岭村</strong>" in html
    assert f'name="village" value="{VILLAGE_A2}"' in html
    assert "<optgroup" not in html


def test_an_unknown_qr_code_says_so_and_offers_the_list(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.get(reverse("self-report"), {"v": "450123999999"})
    html = response.content.decode()
    assert "The village of this QR code is not known here" in html
    assert "<optgroup" in html


def test_sending_the_form_shows_a_confirmation_number(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.post(reverse("self-report"), _post(), follow=True)
    report = SelfReport.objects.get()
    assert response.status_code == 200
    assert report.reference in response.content.decode()
    assert report.alert.risk_code == "05"
    assert AuditEvent.objects.get(action="self_report.submit").actor_username == "public"


def test_a_bad_phone_on_the_page_gets_a_clear_message(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.post(reverse("self-report"), _post(phone="12345"))
    assert response.status_code == 400
    assert "Enter a mainland mobile number" in response.content.decode()
    assert not SelfReport.objects.exists()


def test_an_unknown_village_on_the_page_gets_a_clear_message(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.post(reverse("self-report"), _post(village="450123100299"))
    assert "This village is not known here" in response.content.decode()
    assert not SelfReport.objects.exists()


def test_a_filled_honeypot_is_refused(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.post(reverse("self-report"), _post(website="http://spam.example"))
    assert response.status_code == 400
    assert "The report could not be accepted" in response.content.decode()
    assert not SelfReport.objects.exists()


def test_a_form_sent_too_quickly_is_refused(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.post(reverse("self-report"), _post(started=_started(seconds_ago=0.5)))
    assert "The form was sent too quickly" in response.content.decode()
    assert not SelfReport.objects.exists()


@pytest.mark.parametrize(
    ("started", "message"),
    [("forged", "The form was damaged"), (None, "The form was open too long")],
)
def test_a_forged_or_stale_time_stamp_is_refused(client, county, settings, started, message):
    settings.LANGUAGE_CODE = "en"
    response = client.post(reverse("self-report"), _post(started=started or _started(seconds_ago=7 * 3600)))
    assert message in response.content.decode()
    assert not SelfReport.objects.exists()


def test_the_page_refuses_the_sixth_report_of_the_hour(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    for i in range(5):
        assert client.post(reverse("self-report"), _post(phone=f"1391234000{i}")).status_code == 302
    response = client.post(reverse("self-report"), _post(phone="13912340009"))
    assert response.status_code == 429
    assert "Too many reports have been sent from this network" in response.content.decode()
    assert SelfReport.objects.count() == 5


def test_the_status_page_shows_the_state_and_nothing_of_the_household(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    client.post(reverse("self-report"), _post(text="秘密的细节"))
    report = SelfReport.objects.get()
    response = client.post(
        reverse("self-report-status"), {"reference": report.reference, "phone": "13812341234"}
    )
    html = response.content.decode()
    assert "Received. The village will contact you soon." in html
    assert "秘密的细节" not in html and "王小明" not in html


def test_the_status_page_refuses_a_wrong_phone(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    client.post(reverse("self-report"), _post())
    reference = SelfReport.objects.get().reference
    response = client.post(reverse("self-report-status"), {"reference": reference, "phone": "13900000000"})
    assert "No report has this confirmation number and phone number" in response.content.decode()
