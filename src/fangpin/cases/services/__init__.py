"""Writes of the cases app: one service per transition of the identification and risk-elimination procedures.

Each locks the case (`case_get_for_update`, scoped), asks the workflow table, writes, and records an audit event
in the same transaction; a refusal (wrong step, role or area) changes nothing and is itself audited.
"""

from fangpin.cases.services.notices import (
    case_notice_close,
    case_notice_publish,
    case_objection_record,
    case_objection_resolve,
)
from fangpin.cases.services.reads import (
    CaseFile,
    OpenCasePage,
    QueuePage,
    attachment_open,
    case_file_open,
    case_open_page,
    case_queue_page,
    notice_open,
)
from fangpin.cases.services.steps import (
    AppraisalData,
    ConsentData,
    CrosscheckData,
    VerificationData,
    case_appraise,
    case_approve,
    case_cancel,
    case_consent_record,
    case_crosscheck,
    case_eligibility_check,
    case_eliminate,
    case_green_channel,
    case_open_elimination,
    case_open_identification,
    case_reject,
    case_review,
    case_rollback,
    case_send_back,
    case_verify,
    openable_kinds,
)

__all__ = [
    "AppraisalData",
    "CaseFile",
    "ConsentData",
    "CrosscheckData",
    "OpenCasePage",
    "QueuePage",
    "VerificationData",
    "attachment_open",
    "case_appraise",
    "case_approve",
    "case_cancel",
    "case_consent_record",
    "case_crosscheck",
    "case_eligibility_check",
    "case_eliminate",
    "case_file_open",
    "case_green_channel",
    "case_notice_close",
    "case_notice_publish",
    "case_objection_record",
    "case_objection_resolve",
    "case_open_elimination",
    "case_open_identification",
    "case_open_page",
    "case_queue_page",
    "case_reject",
    "case_review",
    "case_rollback",
    "case_send_back",
    "case_verify",
    "notice_open",
    "openable_kinds",
]
