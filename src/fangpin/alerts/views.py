"""The alert pages: the queue, one alert (assign, confirm, dismiss), and the public self-report (一键申报).

Each parses, calls one service or selector, and renders; domain errors become HTTP answers through the web
app's `_domain_errors` (NotFound is a 404, as for a household outside the user's area).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangpin.alerts import selectors, services
from fangpin.alerts.forms import (
    AlertFilterForm,
    AssignForm,
    ConfirmForm,
    DismissForm,
    SelfReportForm,
    StatusForm,
    VisitFindingForm,
)
from fangpin.alerts.models import AlertSource, AlertStatus
from fangpin.alerts.self_reports import self_report_status, self_report_submit, village_for_code
from fangpin.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from fangpin.registry.selectors import household_get
from fangpin.web.display import no_households_reason
from fangpin.web.views import _domain_errors

_LAST_REPORT = "alerts.last_report"  # the session key of the confirmation number just issued


@require_safe
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET, user=request.user)
    result = services.alert_queue(
        actor=request.user,
        filters=form.to_filter(),
        page=request.GET.get("page"),
        page_size=settings.FANGPIN_PAGE_SIZE,
    )
    return render(
        request,
        "alerts/alert_list.html",
        {
            "form": form,
            "page": result.page,
            "rows": result.rows,
            "empty_reason": no_households_reason(request.user),
        },
    )


def _detail(request: HttpRequest, pk: int, **forms) -> HttpResponse:
    file = services.alert_open(actor=request.user, alert_id=pk)
    users = selectors.assignable_users(actor=request.user, alert=file.alert).select_related("division")
    context = {
        "file": file,
        "alert": file.alert,
        "assign_form": forms.get("assign_form") or AssignForm(users=users),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "statuses": AlertStatus,
        "forms_with_errors": [f for f in forms.values() if f.non_field_errors()],
    }
    return render(request, "alerts/alert_detail.html", context, status=400 if forms else 200)


@require_safe
@login_required
@_domain_errors
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _apply(form, write) -> bool:
    """Run a service on a valid form; its ValidationError lands on the field it names."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as e:
        form.add_error(e.field if e.field in form.fields else None, e.message)
        return False
    except TransitionNotAllowed as e:  # closed meanwhile, by someone else
        form.add_error(None, e.message)
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
@_domain_errors
def alert_raise_from_visit(request: HttpRequest, household_pk: int) -> HttpResponse:
    """A cadre puts on the queue a risk found on a visit (the second discovery channel, 基层干部排查)."""
    household = household_get(actor=request.user, household_id=household_pk)
    form = VisitFindingForm(request.POST or None)
    if request.method == "POST" and _apply(
        form,
        lambda d: services.alert_raise(
            actor=request.user,
            household_id=household.pk,
            risk_code=d["risk_code"],
            level=d["level"],
            source=AlertSource.VISIT,
            evidence={"explain": {"zh": d["note"], "en": d["note"]}, "visit": {"by": request.user.username}},
        ),
    ):
        messages.success(request, _("The risk is on the alert queue."))
        return redirect("household-detail", pk=household.pk)
    return render(request, "alerts/raise.html", {"form": form, "household": household})


@require_POST
@login_required
@_domain_errors
def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    alert = services.alert_look(actor=request.user, alert_id=pk)
    form = AssignForm(request.POST, users=selectors.assignable_users(actor=request.user, alert=alert))
    done = _apply(
        form,
        lambda d: services.alert_assign(actor=request.user, alert_id=pk, assignee_id=d["assignee"].pk),
    )
    if not done:
        return _detail(request, pk, assign_form=form)
    messages.success(request, _("The alert has been assigned."))
    return redirect("alert-detail", pk=pk)


@require_POST
@login_required
@_domain_errors
def alert_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    services.alert_look(actor=request.user, alert_id=pk)
    form = ConfirmForm(request.POST)
    done = _apply(
        form,
        lambda d: services.alert_confirm(
            actor=request.user, alert_id=pk, note=d["note"], visited_on=d["visited_on"]
        ),
    )
    if not done:
        return _detail(request, pk, confirm_form=form)
    messages.success(request, _("The risk is confirmed. The household goes on to identification."))
    return redirect("alert-detail", pk=pk)


@require_POST
@login_required
@_domain_errors
def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    services.alert_look(actor=request.user, alert_id=pk)
    form = DismissForm(request.POST)
    done = _apply(
        form,
        lambda d: services.alert_dismiss(
            actor=request.user, alert_id=pk, reason=d["reason"], visited_on=d["visited_on"]
        ),
    )
    if not done:
        return _detail(request, pk, dismiss_form=form)
    messages.success(request, _("The alert has been dismissed."))
    return redirect("alert-detail", pk=pk)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a client can write any address into that header. Behind a proxy,
    # the proxy must set REMOTE_ADDR (see the report).
    return request.META.get("REMOTE_ADDR", "")


@never_cache
def self_report(request: HttpRequest) -> HttpResponse:
    """The public page: no log-in. `?v=<village code>` comes from the QR code on the door."""
    code = request.GET.get("v", "").strip()
    village = village_for_code(code) if code else None
    unknown_code = bool(code) and village is None
    form = SelfReportForm(request.POST if request.method == "POST" else None, village=village)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            report = self_report_submit(
                actor=request.user, data=form.to_data(), client_ip=_client_ip(request)
            )
        except ValidationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        except PermissionDenied as e:
            problem = e.message
        else:
            request.session[_LAST_REPORT] = report.reference
            return redirect("self-report-done")
    return render(
        request,
        "alerts/self_report.html",
        {
            "form": form,
            "village": village,
            "unknown_code": unknown_code,
            "problem": problem,
            "hidden_problems": form.non_field_problems() if form.is_bound else [],
        },
        status=429 if problem else (400 if form.is_bound else 200),
    )


@require_safe
@never_cache
def self_report_done(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(_LAST_REPORT)
    if not reference:
        return redirect("self-report")
    return render(request, "alerts/self_report_done.html", {"reference": reference})


@never_cache
def self_report_check(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST if request.method == "POST" else None)
    status, problem = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            status = self_report_status(
                reference=form.cleaned_data["reference"],
                phone=form.cleaned_data["phone"],
                client_ip=_client_ip(request),
            )
        except ValidationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        except PermissionDenied as e:
            problem = e.message
    return render(
        request,
        "alerts/self_report_status.html",
        {"form": form, "status": status, "problem": problem, "statuses": AlertStatus},
    )
