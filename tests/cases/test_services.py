"""Case services: happy paths, refusals (wrong role, wrong area, wrong state — with the message and nothing
changed, and the refusal audited) and bad input."""

import dataclasses
import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.cases import services
from fangpin.cases.models import Case, CaseAttachment, CaseStep, Decision
from fangpin.cases.workflow import State
from fangpin.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from fangpin.registry.models import Household
from tests.cases.conftest import APPRAISAL, ELIGIBLE, VERIFICATION, drive, today

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (case.state, case.closed_at, case.steps.count(), case.household.status)


def refusals(action: str) -> int:
    return AuditEvent.objects.filter(action=f"{action}.refused").count()


# --- opening


def test_opening_an_identification_starts_at_consent_with_deadlines(open_case):
    assert open_case.state == State.CONSENT
    assert open_case.step_due_on <= open_case.due_on
    assert open_case.risk_codes == ["01"]
    assert AuditEvent.objects.filter(action="case.open", object_id=str(open_case.pk)).exists()


def test_a_household_cannot_have_two_open_cases(open_case, users):
    with pytest.raises(TransitionNotAllowed, match="already has an open case"):
        services.case_open_identification(actor=users[Role.VILLAGE], household_id=open_case.household_id)
    assert Case.objects.count() == 1
    assert refusals("case.open") == 1


def test_a_village_cadre_cannot_open_a_case_in_another_village(households, cadre_a2):
    with pytest.raises(NotFound):
        services.case_open_identification(actor=cadre_a2, household_id=households["a1"].pk)
    assert not Case.objects.exists()
    assert refusals("case.open") == 1


def test_an_analyst_cannot_open_a_case(households, users):
    with pytest.raises(NotFound):  # analysts see no household files at all
        services.case_open_identification(actor=users[Role.ANALYST], household_id=households["a1"].pk)
    assert not Case.objects.exists()


def test_unknown_risk_types_are_refused(households, users):
    with pytest.raises(ValidationError, match="Unknown risk type: 42"):
        services.case_open_identification(
            actor=users[Role.VILLAGE], household_id=households["a1"].pk, risk_codes=["01", "42"]
        )
    assert not Case.objects.exists()


def test_a_monitored_household_needs_no_identification(households, users):
    Household.objects.filter(pk=households["a1"].pk).update(status="monitored")
    with pytest.raises(TransitionNotAllowed, match="already monitored"):
        services.case_open_identification(actor=users[Role.VILLAGE], household_id=households["a1"].pk)


# --- the identification journey


def test_the_whole_identification_makes_the_household_monitored(open_case, users):
    case = drive(open_case, users, to=State.APPROVED)
    household = Household.objects.get(pk=case.household_id)
    assert household.status == "monitored"
    assert household.category.code == "sudden-hardship"
    assert household.risk_codes == ["01"]
    assert household.identified_on == today()
    assert case.closed_at is not None and case.step_due_on is None
    assert household.history.first().status == "monitored"  # the registry history records the decision
    steps = list(case.steps.values_list("step", flat=True))
    assert steps == [
        "consent", "verify", "crosscheck", "appraise", "publish_notice", "close_notice", "review", "approve"
    ]  # fmt: skip
    assert (
        AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() >= len(steps) + 1
    )


def test_verification_keeps_income_components_and_income_per_person(open_case, users):
    case = drive(open_case, users, to=State.CROSSCHECK)
    data = case.steps.get(step="verify").data
    assert data["income"]["wage_income"] == "6000"
    assert data["income_per_person"] == "2400.00"
    assert data["medical_self_paid"] == "25000"


def test_a_village_cadre_cannot_approve_a_case_waiting_for_township_review(open_case, users):
    case = drive(open_case, users, to=State.TOWNSHIP_REVIEW)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as e:
        services.case_approve(actor=users[Role.VILLAGE], case_id=case.pk)
    assert e.value.message == "This case is waiting for township review; a village cadre cannot approve it."
    assert snapshot(case) == before
    assert refusals("case.approve") == 1


def test_the_county_cannot_approve_before_the_township_has_reviewed(open_case, users):
    case = drive(open_case, users, to=State.TOWNSHIP_REVIEW)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="waiting for township review; the county bureau cannot"):
        services.case_approve(actor=users[Role.COUNTY], case_id=case.pk)
    assert snapshot(case) == before


def test_a_case_cannot_be_approved_twice(open_case, users):
    case = drive(open_case, users, to=State.APPROVED)
    with pytest.raises(TransitionNotAllowed, match=re.escape("This case has already been approved.")):
        services.case_approve(actor=users[Role.COUNTY], case_id=case.pk)
    assert case.steps.filter(step="approve").count() == 1


def test_a_village_cadre_of_another_village_cannot_act_on_the_case(open_case, cadre_a2):
    before = snapshot(open_case)
    with pytest.raises(NotFound):
        services.case_consent_record(
            actor=cadre_a2,
            case_id=open_case.pk,
            data=services.ConsentData(method="attestation", signed_on=today(), attestation="x"),
        )
    assert snapshot(open_case) == before
    event = AuditEvent.objects.get(action="case.consent.refused")
    assert event.object_id == str(open_case.pk) and event.actor_id == cadre_a2.pk


def test_a_township_officer_of_another_township_cannot_review(open_case, users, township_b):
    case = drive(open_case, users, to=State.TOWNSHIP_REVIEW)
    with pytest.raises(NotFound):
        services.case_review(actor=township_b, case_id=case.pk)
    assert snapshot(case)[0] == State.TOWNSHIP_REVIEW


def test_consent_by_form_needs_the_scan(open_case, users):
    with pytest.raises(ValidationError) as e:
        services.case_consent_record(
            actor=users[Role.VILLAGE],
            case_id=open_case.pk,
            data=services.ConsentData(method="form", signed_on=today()),
        )
    assert e.value.field == "scan"
    assert snapshot(open_case)[0] == State.CONSENT


def test_a_scanned_consent_form_is_kept_under_a_random_name(open_case, users, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    services.case_consent_record(
        actor=users[Role.VILLAGE],
        case_id=open_case.pk,
        data=services.ConsentData(method="form", signed_on=today()),
        scan=SimpleUploadedFile("张伟-承诺书.pdf", PDF, content_type="application/pdf"),
    )
    attachment = CaseAttachment.objects.get()
    assert attachment.content_type == "application/pdf" and attachment.kind == "consent_form"
    assert "张伟" not in attachment.file.name
    assert (tmp_path / "cases" / attachment.file.name).read_bytes() == PDF


def test_a_file_that_is_not_a_pdf_or_image_is_refused(open_case, users, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with pytest.raises(ValidationError, match=re.escape("Upload a PDF, JPEG or PNG file.")):
        services.case_consent_record(
            actor=users[Role.VILLAGE],
            case_id=open_case.pk,
            data=services.ConsentData(method="form", signed_on=today()),
            scan=SimpleUploadedFile("form.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        )
    assert not CaseAttachment.objects.exists()
    assert snapshot(open_case)[0] == State.CONSENT


def test_a_file_over_the_size_limit_is_refused(open_case, users, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.FANGPIN_CASE_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="larger than"):
        services.case_consent_record(
            actor=users[Role.VILLAGE],
            case_id=open_case.pk,
            data=services.ConsentData(method="form", signed_on=today()),
            scan=SimpleUploadedFile("form.pdf", PDF),
        )
    assert snapshot(open_case)[0] == State.CONSENT


def test_a_visit_in_the_future_is_refused(open_case, users):
    case = drive(open_case, users, to=State.VERIFICATION)
    bad = dataclasses.replace(VERIFICATION, visited_on=today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as e:
        services.case_verify(actor=users[Role.VILLAGE], case_id=case.pk, data=bad)
    assert e.value.field == "visited_on"
    assert snapshot(case)[0] == State.VERIFICATION


def test_appraisal_needs_a_category_and_at_most_five_risk_types(open_case, users):
    case = drive(open_case, users, to=State.APPRAISAL)
    with pytest.raises(ValidationError, match="at most 5 risk types"):
        services.case_appraise(
            actor=users[Role.VILLAGE],
            case_id=case.pk,
            data=dataclasses.replace(APPRAISAL, risk_codes=("01", "03", "04", "05", "06", "07")),
        )
    with pytest.raises(ValidationError, match=re.escape("Choose the monitoring category.")):
        services.case_appraise(
            actor=users[Role.VILLAGE], case_id=case.pk, data=dataclasses.replace(APPRAISAL, category_code="")
        )
    assert snapshot(case)[0] == State.APPRAISAL


def test_an_appraisal_that_does_not_agree_rejects_the_case(open_case, users):
    case = drive(open_case, users, to=State.APPRAISAL)
    services.case_appraise(
        actor=users[Role.VILLAGE],
        case_id=case.pk,
        data=dataclasses.replace(
            APPRAISAL, is_agreed=False, votes_for=3, votes_against=18, note="收入未低于监测线"
        ),
    )
    case.refresh_from_db()
    assert case.state == State.REJECTED and case.closed_at is not None
    assert case.steps.last().decision == Decision.REJECTED


def test_rejection_needs_a_reason(open_case, users):
    with pytest.raises(ValidationError, match=re.escape("Give the reason.")):
        services.case_reject(actor=users[Role.VILLAGE], case_id=open_case.pk, reason="  ")
    assert snapshot(open_case)[0] == State.CONSENT


def test_the_township_sends_a_case_back_for_correction(open_case, users):
    case = drive(open_case, users, to=State.TOWNSHIP_REVIEW)
    services.case_send_back(actor=users[Role.TOWNSHIP], case_id=case.pk, reason="收入核算缺少转移性收入")
    case.refresh_from_db()
    assert case.state == State.IN_NOTICE
    step = case.steps.last()
    assert step.decision == Decision.SENT_BACK and step.note == "收入核算缺少转移性收入"


def test_the_notice_cannot_close_before_its_period_is_over(open_case, users):
    case = drive(open_case, users, to=State.NOTICE)
    services.case_notice_publish(
        actor=users[Role.VILLAGE],
        case_ids=[case.pk],
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=4),
    )
    with pytest.raises(ValidationError, match="The notice runs until"):
        services.case_notice_close(actor=users[Role.VILLAGE], case_id=case.pk)
    assert snapshot(case)[0] == State.IN_NOTICE


def test_a_notice_shorter_than_the_limit_is_refused(open_case, users):
    case = drive(open_case, users, to=State.NOTICE)
    with pytest.raises(ValidationError, match="at least 5 days"):
        services.case_notice_publish(
            actor=users[Role.VILLAGE],
            case_ids=[case.pk],
            starts_on=today(),
            ends_on=today() + dt.timedelta(days=3),
        )
    assert snapshot(case)[0] == State.NOTICE


def test_an_unsettled_objection_keeps_the_notice_open(open_case, users):
    case = drive(open_case, users, to=State.IN_NOTICE)
    objection = services.case_objection_record(
        actor=users[Role.VILLAGE], case_id=case.pk, received_on=today(), content="村民反映其子女在城里有房"
    )
    with pytest.raises(ValidationError, match="Settle every objection"):
        services.case_notice_close(actor=users[Role.VILLAGE], case_id=case.pk)
    services.case_objection_resolve(
        actor=users[Role.VILLAGE], objection_id=objection.pk, resolution="经核实，房产属子女本人"
    )
    services.case_notice_close(actor=users[Role.VILLAGE], case_id=case.pk)
    case.refresh_from_db()
    assert case.state == State.TOWNSHIP_REVIEW


def test_the_county_opens_the_green_channel_before_approval(open_case, users):
    services.case_green_channel(actor=users[Role.COUNTY], case_id=open_case.pk, reason="房屋倒塌，需立即安置")
    open_case.refresh_from_db()
    assert open_case.is_green_channel and open_case.state == State.CONSENT
    with pytest.raises(TransitionNotAllowed, match="already open"):
        services.case_green_channel(actor=users[Role.COUNTY], case_id=open_case.pk, reason="again")


def test_only_the_county_opens_the_green_channel(open_case, users):
    with pytest.raises(
        TransitionNotAllowed, match=re.escape("Only the county bureau can open the green channel.")
    ):
        services.case_green_channel(actor=users[Role.TOWNSHIP], case_id=open_case.pk, reason="urgent")
    open_case.refresh_from_db()
    assert not open_case.is_green_channel


def test_a_cancelled_case_stays_on_file(open_case, users):
    services.case_cancel(actor=users[Role.TOWNSHIP], case_id=open_case.pk, reason="重复立案")
    case = Case.objects.get(pk=open_case.pk)
    assert case.state == State.CANCELLED and case.closed_at is not None
    with pytest.raises(TransitionNotAllowed, match="closed"):
        services.case_consent_record(
            actor=users[Role.VILLAGE],
            case_id=case.pk,
            data=services.ConsentData(method="attestation", signed_on=today(), attestation="x"),
        )


# --- elimination, rollback and re-entry


@pytest.fixture
def monitored(open_case, users):
    drive(open_case, users, to=State.APPROVED)
    return Household.objects.get(pk=open_case.household_id)


def test_a_monitored_household_has_its_risk_eliminated(monitored, users):
    case = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=monitored.pk)
    assert case.previous is not None and case.category == monitored.category
    drive(case, users, to=State.ELIMINATED)
    monitored.refresh_from_db()
    assert monitored.status == "eliminated"
    assert monitored.elimination_method == "帮扶消除" and monitored.eliminated_on == today()


def test_a_household_without_labour_on_protection_is_not_marked_eliminated(monitored, users):
    case = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=monitored.pk)
    facts = dataclasses.replace(ELIGIBLE, has_labour=False, lives_on_protection=True)
    services.case_eligibility_check(actor=users[Role.VILLAGE], case_id=case.pk, facts=facts)
    case.refresh_from_db()
    assert case.state == State.NOT_ELIGIBLE and case.closed_at is not None
    monitored.refresh_from_db()
    assert monitored.status == "monitored"


def test_an_unstable_income_is_refused_with_what_is_missing(monitored, users):
    case = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=monitored.pk)
    facts = dataclasses.replace(ELIGIBLE, months_income_above_line=3, water_secure=False)
    with pytest.raises(ValidationError) as e:
        services.case_eligibility_check(actor=users[Role.VILLAGE], case_id=case.pk, facts=facts)
    assert "income has not been stably above the line" in e.value.message
    assert "drinking water is not secure" in e.value.message
    assert snapshot(case)[0] == State.ELIGIBILITY


def test_a_wrong_elimination_method_is_refused(monitored, users):
    case = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=monitored.pk)
    drive(case, users, to=State.COUNTY_DECISION)
    with pytest.raises(ValidationError, match=re.escape("Choose how the risk was eliminated.")):
        services.case_eliminate(actor=users[Role.COUNTY], case_id=case.pk, method="magic")
    assert snapshot(case)[0] == State.COUNTY_DECISION


def test_rollback_returns_the_household_to_monitoring(monitored, users):
    case = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=monitored.pk)
    drive(case, users, to=State.ELIMINATED)
    with pytest.raises(TransitionNotAllowed):
        services.case_rollback(actor=users[Role.TOWNSHIP], case_id=case.pk, reason="错误消除")
    services.case_rollback(actor=users[Role.COUNTY], case_id=case.pk, reason="收入核算有误，未稳定超过监测线")
    monitored.refresh_from_db()
    assert monitored.status == "monitored" and monitored.eliminated_on is None
    case.refresh_from_db()
    assert case.state == State.ROLLED_BACK


def test_re_entry_into_monitoring_opens_a_new_case_linked_to_the_old(monitored, users):
    elimination = services.case_open_elimination(actor=users[Role.VILLAGE], household_id=monitored.pk)
    drive(elimination, users, to=State.ELIMINATED)
    again = services.case_open_identification(
        actor=users[Role.VILLAGE], household_id=monitored.pk, risk_codes=["05"]
    )
    assert again.previous_id == elimination.pk


def test_elimination_of_an_unmonitored_household_is_refused(households, users):
    with pytest.raises(TransitionNotAllowed, match="Only a monitored household"):
        services.case_open_elimination(actor=users[Role.VILLAGE], household_id=households["a1"].pk)
    assert not CaseStep.objects.exists()


def test_a_department_officer_is_refused_and_audited(open_case, users):
    with pytest.raises((NotFound, PermissionDenied)):
        services.case_reject(actor=users[Role.DEPARTMENT], case_id=open_case.pk, reason="x")
    assert refusals("case.reject") == 1
    assert snapshot(open_case)[0] == State.CONSENT
