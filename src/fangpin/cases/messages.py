"""The refusals of the workflow tables, said in the user's language (the tables themselves speak English)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangpin.cases.models import STATE_LABELS
from fangpin.cases.workflow import COUNTY, TOWNSHIP, VILLAGE, Refusal, Step

WHO = {
    VILLAGE: gettext_lazy("a village cadre"),
    TOWNSHIP: gettext_lazy("a township officer"),
    COUNTY: gettext_lazy("the county bureau"),
}
VERB = {
    Step.CONSENT: gettext_lazy("record consent for"),
    Step.VERIFY: gettext_lazy("verify"),
    Step.CROSSCHECK: gettext_lazy("cross-check"),
    Step.APPRAISE: gettext_lazy("appraise"),
    Step.PUBLISH_NOTICE: gettext_lazy("publish a notice for"),
    Step.RECORD_OBJECTION: gettext_lazy("record an objection to"),
    Step.CLOSE_NOTICE: gettext_lazy("close the notice of"),
    Step.REVIEW: gettext_lazy("review"),
    Step.APPROVE: gettext_lazy("approve"),
    Step.FIND_ELIGIBLE: gettext_lazy("find eligible"),
    Step.FIND_NOT_ELIGIBLE: gettext_lazy("find not eligible"),
    Step.ELIMINATE: gettext_lazy("eliminate the risk of"),
    Step.ROLLBACK: gettext_lazy("roll back"),
    Step.REJECT: gettext_lazy("reject"),
    Step.SEND_BACK: gettext_lazy("send back"),
    Step.CANCEL: gettext_lazy("cancel"),
    Step.GREEN_CHANNEL: gettext_lazy("open the green channel for"),
}
ALREADY = {
    Step.CONSENT: gettext_lazy("This case already has its consent recorded."),
    Step.VERIFY: gettext_lazy("This case has already been verified."),
    Step.CROSSCHECK: gettext_lazy("This case has already been cross-checked."),
    Step.APPRAISE: gettext_lazy("This case has already been appraised."),
    Step.PUBLISH_NOTICE: gettext_lazy("This case's notice has already been published."),
    Step.CLOSE_NOTICE: gettext_lazy("This case's notice has already been closed."),
    Step.REVIEW: gettext_lazy("This case has already been reviewed."),
    Step.APPROVE: gettext_lazy("This case has already been approved."),
    Step.FIND_ELIGIBLE: gettext_lazy("This case has already been found eligible."),
    Step.FIND_NOT_ELIGIBLE: gettext_lazy("This case has already been found not eligible."),
    Step.ELIMINATE: gettext_lazy("This case has already been closed with the risk eliminated."),
    Step.ROLLBACK: gettext_lazy("This case has already been rolled back."),
    Step.REJECT: gettext_lazy("This case has already been rejected."),
    Step.CANCEL: gettext_lazy("This case has already been cancelled."),
}


def refusal_message(refusal: Refusal) -> str:
    state = STATE_LABELS[refusal.state]
    who = WHO.get(refusal.role, refusal.role)
    if refusal.why == "already":
        return str(ALREADY[refusal.step])
    if refusal.why == "closed":
        return _("This case is closed (%(state)s); it cannot be changed any more.") % {"state": state}
    if refusal.step == Step.CANCEL:
        return _("Only a township officer or the county bureau can cancel a case.")
    if refusal.step == Step.GREEN_CHANNEL:
        if refusal.why == "role":
            return _("Only the county bureau can open the green channel.")
        return _("The green channel is only for an identification that is still open.")
    if refusal.step == Step.SEND_BACK and refusal.why == "order":
        return _("This is the first step of the case; there is nothing to send it back to.")
    return _("This case is %(state)s; %(who)s cannot %(verb)s it.") % {
        "state": state,
        "who": who,
        "verb": VERB[refusal.step],
    }
