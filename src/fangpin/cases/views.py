"""The case pages: my queue, a case with its history and the form of the next step allowed to me, opening a
case, a public notice and its PDF. Each parses, calls one service, and renders; a case outside the user's area
is a 404 (audited by the service), a refused step a message on the case page."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fangpin.cases import forms, services
from fangpin.cases.models import ACTION_LABELS, STEP_LABELS
from fangpin.cases.notice_render import notice_pdf
from fangpin.cases.selectors import QueueFilter
from fangpin.cases.services.notices import notice_min_days
from fangpin.cases.workflow import Kind, Step
from fangpin.core import clock
from fangpin.core.errors import TransitionNotAllowed, ValidationError
from fangpin.web.views import _domain_errors

Form = django_forms.Form


@dataclass(frozen=True)
class StepPage:
    """How one step is asked for on the case page and what it calls."""

    form: Callable[[Any, Any, services.CaseFile], Form]
    submit: Callable[[Any, int, Any], object]
    is_secondary: bool = False  # reject, send back, cancel …: behind a "more actions" fold


def _cd(form: Form) -> dict[str, Any]:
    return form.cleaned_data


STEPS: dict[Step, StepPage] = {
    Step.CONSENT: StepPage(
        lambda d, f, c: forms.ConsentForm(d, f, prefix="consent"),
        lambda u, pk, fm: services.case_consent_record(
            actor=u, case_id=pk, data=fm.to_data(), scan=_cd(fm)["scan"]
        ),
    ),
    Step.VERIFY: StepPage(
        lambda d, f, c: forms.VerifyForm(d, f, prefix="verify"),
        lambda u, pk, fm: services.case_verify(
            actor=u, case_id=pk, data=fm.to_data(), photos=_cd(fm)["photos"]
        ),
    ),
    Step.CROSSCHECK: StepPage(
        lambda d, f, c: forms.CrosscheckForm(d, prefix="crosscheck"),
        lambda u, pk, fm: services.case_crosscheck(actor=u, case_id=pk, data=fm.to_data()),
    ),
    Step.APPRAISE: StepPage(
        lambda d, f, c: forms.AppraiseForm(
            d, kind=c.case.kind, prefix="appraise", initial={"risk_codes": c.case.risk_codes}
        ),
        lambda u, pk, fm: services.case_appraise(actor=u, case_id=pk, data=fm.to_data()),
    ),
    Step.PUBLISH_NOTICE: StepPage(
        lambda d, f, c: forms.PublishForm(d, min_days=notice_min_days(), prefix="notice"),
        lambda u, pk, fm: services.case_notice_publish(
            actor=u, case_ids=[pk], starts_on=_cd(fm)["starts_on"], ends_on=_cd(fm)["ends_on"]
        ),
    ),
    Step.RECORD_OBJECTION: StepPage(
        lambda d, f, c: forms.ObjectionForm(d, prefix="objection"),
        lambda u, pk, fm: services.case_objection_record(actor=u, case_id=pk, **_cd(fm)),
        is_secondary=True,
    ),
    Step.CLOSE_NOTICE: StepPage(
        lambda d, f, c: forms.NoteForm(d, prefix="close"),
        lambda u, pk, fm: services.case_notice_close(actor=u, case_id=pk, note=_cd(fm)["note"]),
    ),
    Step.REVIEW: StepPage(
        lambda d, f, c: forms.NoteForm(d, prefix="review"),
        lambda u, pk, fm: services.case_review(actor=u, case_id=pk, note=_cd(fm)["note"]),
    ),
    Step.APPROVE: StepPage(
        lambda d, f, c: forms.NoteForm(d, prefix="approve"),
        lambda u, pk, fm: services.case_approve(actor=u, case_id=pk, note=_cd(fm)["note"]),
    ),
    Step.FIND_ELIGIBLE: StepPage(
        lambda d, f, c: forms.EligibilityForm(d, prefix="eligibility"),
        lambda u, pk, fm: services.case_eligibility_check(
            actor=u, case_id=pk, facts=fm.to_facts(), note=_cd(fm)["note"]
        ),
    ),
    Step.ELIMINATE: StepPage(
        lambda d, f, c: forms.EliminateForm(d, prefix="eliminate"),
        lambda u, pk, fm: services.case_eliminate(actor=u, case_id=pk, **_cd(fm)),
    ),
    Step.ROLLBACK: StepPage(
        lambda d, f, c: forms.ReasonForm(d, prefix="rollback"),
        lambda u, pk, fm: services.case_rollback(actor=u, case_id=pk, reason=_cd(fm)["reason"]),
    ),
    Step.GREEN_CHANNEL: StepPage(
        lambda d, f, c: forms.ReasonForm(d, prefix="green"),
        lambda u, pk, fm: services.case_green_channel(actor=u, case_id=pk, reason=_cd(fm)["reason"]),
        is_secondary=True,
    ),
    Step.SEND_BACK: StepPage(
        lambda d, f, c: forms.ReasonForm(d, prefix="sendback"),
        lambda u, pk, fm: services.case_send_back(actor=u, case_id=pk, reason=_cd(fm)["reason"]),
        is_secondary=True,
    ),
    Step.REJECT: StepPage(
        lambda d, f, c: forms.ReasonForm(d, prefix="reject"),
        lambda u, pk, fm: services.case_reject(actor=u, case_id=pk, reason=_cd(fm)["reason"]),
        is_secondary=True,
    ),
    Step.CANCEL: StepPage(
        lambda d, f, c: forms.ReasonForm(d, prefix="cancel"),
        lambda u, pk, fm: services.case_cancel(actor=u, case_id=pk, reason=_cd(fm)["reason"]),
        is_secondary=True,
    ),
}


@dataclass(frozen=True)
class StepForm:
    step: Step
    label: str
    form: Form
    is_secondary: bool
    has_files: bool


def _step_forms(file: services.CaseFile, bound: tuple[Step, Form] | None = None) -> list[StepForm]:
    result = []
    for step in file.allowed:
        page = STEPS.get(step)
        if page is None:  # FIND_NOT_ELIGIBLE: the eligibility form decides it
            continue
        form = bound[1] if bound and bound[0] == step else page.form(None, None, file)
        result.append(StepForm(step, str(ACTION_LABELS[step]), form, page.is_secondary, form.is_multipart()))
    return result


def _today() -> dt.date:
    return clock.today()


@require_safe
@login_required
def case_queue(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    filters = QueueFilter(
        kind=kind if kind in Kind.__members__.values() else "", only_overdue="overdue" in request.GET
    )
    result = services.case_queue_page(
        actor=request.user,
        today=_today(),
        filters=filters,
        page=request.GET.get("page"),
        page_size=settings.FANGPIN_PAGE_SIZE,
    )
    return render(request, "cases/queue.html", {"page": result.page, "rows": result.rows, "filters": filters})


def _render_case(
    request: HttpRequest, file: services.CaseFile, bound=None, status: int = 200
) -> HttpResponse:
    step_forms = _step_forms(file, bound)
    return render(
        request,
        "cases/detail.html",
        {
            "file": file,
            "case": file.case,
            "primary": [s for s in step_forms if not s.is_secondary],
            "secondary": [s for s in step_forms if s.is_secondary],
            "can_resolve": Step.RECORD_OBJECTION in file.allowed,
            "resolve_form": forms.ResolveForm(prefix="resolve"),
        },
        status=status,
    )


@require_safe
@login_required
@_domain_errors
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, services.case_file_open(actor=request.user, case_id=pk, today=_today()))


@require_POST
@login_required
@_domain_errors
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    try:
        page = STEPS[Step(step)]
    except (ValueError, KeyError):
        raise Http404 from None
    file = services.case_file_open(actor=request.user, case_id=pk, today=_today())
    form = page.form(request.POST, request.FILES, file)
    if form.is_valid():
        try:
            page.submit(request.user, pk, form)
        except TransitionNotAllowed as e:
            messages.error(request, e.message)
            return redirect("case-detail", pk=pk)
        except ValidationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("Saved: %(step)s.") % {"step": STEP_LABELS[Step(step)]})
            return redirect("case-detail", pk=pk)
    return _render_case(request, file, bound=(Step(step), form), status=400)


@require_POST
@login_required
@_domain_errors
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.ResolveForm(request.POST, prefix="resolve")
    if form.is_valid():
        try:
            services.case_objection_resolve(
                actor=request.user,
                objection_id=form.cleaned_data["objection"],
                resolution=form.cleaned_data["resolution"],
            )
            messages.success(request, _("The objection is recorded as settled."))
        except (TransitionNotAllowed, ValidationError) as e:
            messages.error(request, e.message)
    else:
        messages.error(request, _("Write how the objection was settled."))
    return redirect("case-detail", pk=pk)


@login_required
@_domain_errors
def case_open(request: HttpRequest, household_pk: int) -> HttpResponse:
    page = services.case_open_page(actor=request.user, household_id=household_pk)
    form = forms.OpenCaseForm(request.POST if request.method == "POST" else None, kinds=page.kinds)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            if d["kind"] == Kind.ELIMINATION:
                case = services.case_open_elimination(
                    actor=request.user, household_id=household_pk, note=d["note"]
                )
            else:
                case = services.case_open_identification(
                    actor=request.user, household_id=household_pk, risk_codes=d["risk_codes"], note=d["note"]
                )
        except (TransitionNotAllowed, ValidationError) as e:
            form.add_error(
                getattr(e, "field", None) if getattr(e, "field", None) in form.fields else None, e.message
            )
        else:
            messages.success(request, _("The case is open."))
            return redirect("case-detail", pk=case.pk)
    return render(request, "cases/open.html", {"form": form, "household": page.household})


@require_safe
@login_required
@_domain_errors
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = services.notice_open(actor=request.user, notice_id=pk)
    return render(request, "cases/notice.html", {"notice": view.notice, "entries": view.entries})


@require_safe
@login_required
@_domain_errors
def notice_download(request: HttpRequest, pk: int) -> HttpResponse:
    view = services.notice_open(actor=request.user, notice_id=pk, purpose="print")
    response = HttpResponse(notice_pdf(view), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{pk}.pdf"'
    return response


@require_safe
@login_required
@_domain_errors
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = services.attachment_open(actor=request.user, attachment_id=pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="attachment-{pk}.{attachment.file.name.rsplit(".", 1)[-1]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
