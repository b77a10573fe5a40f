"""The assistance pages: a household's plan, its measures and helper, visits, follow-ups and the ODK form.
Each parses, calls one service or selector, and renders; domain errors become 404 / 403 in `_domain_errors`."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fangpin.accounts.models import User
from fangpin.accounts.roles import Role
from fangpin.assistance import selectors, services
from fangpin.assistance.forms import (
    HelperForm,
    MeasureEditForm,
    MeasureForm,
    PlanForm,
    VisitForm,
    VisitUploadForm,
)
from fangpin.assistance.imports import visits_import
from fangpin.assistance.xlsform import FORM_ID, visit_xlsform
from fangpin.core import clock
from fangpin.core.errors import PermissionDenied
from fangpin.web.views import _domain_errors, _save

_SHOWN = 200  # households listed per section of the township page; the rest is for the data-quality list


def _role(request: HttpRequest) -> Role:
    return Role(cast(User, request.user).role)


def _require(allowed: bool, message: str) -> None:
    # The services check again; this keeps the forms away from roles that cannot use them.
    if not allowed:
        raise PermissionDenied(message)


def _require_planner(request: HttpRequest) -> None:
    _require(
        services.can_work_on_plans(_role(request)),
        _("Your role cannot change assistance plans or record visits."),
    )


@require_safe
@login_required
@_domain_errors
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = services.plan_page_open(actor=request.user, household_id=pk)
    role = _role(request)
    return render(
        request,
        "assistance/plan_detail.html",
        {
            "page": page,
            "household": page.household,
            "plan_form": PlanForm(),
            "can_edit": services.can_work_on_plans(role),
            "can_assign": services.can_assign_helpers(role),
        },
    )


@require_POST
@login_required
@_domain_errors
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    form = PlanForm(request.POST)
    plan = _save(form, lambda data: services.plan_create(actor=request.user, household_id=pk, level=data))
    if plan is None:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        messages.success(request, _("The assistance plan has been opened."))
    return redirect("assistance-plan", pk=pk)


@login_required
@_domain_errors
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = services.household_open(actor=request.user, household_id=pk)
    _require_planner(request)
    chosen = request.GET.get("suggestion", "")
    suggestion = selectors.suggestion_get(suggestion_id=int(chosen)) if chosen.isdigit() else None
    form = MeasureForm(
        request.POST if request.method == "POST" else None,
        household=household,
        types=list(selectors.measure_types_in_use()),
        initial=MeasureForm.initial_from(suggestion, household),
    )
    measure = _save(form, lambda data: services.measure_add(actor=request.user, household_id=pk, data=data))
    if measure is not None:
        messages.success(request, _("The measure has been added to the plan."))
        return redirect("assistance-plan", pk=pk)
    return render(
        request, "assistance/measure_form.html", {"form": form, "household": household, "measure": None}
    )


@login_required
@_domain_errors
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = services.measure_open(actor=request.user, measure_id=pk)
    _require_planner(request)
    household = measure.plan.household
    form = MeasureEditForm(
        request.POST if request.method == "POST" else None,
        household=household,
        types=list(selectors.measure_types_in_use()),
        initial=MeasureEditForm.initial_of(measure),
    )
    saved = _save(
        form,
        lambda data: services.measure_update(
            actor=request.user, measure_id=pk, data=data[0], delivery=data[1]
        ),
    )
    if saved is not None:
        messages.success(request, _("The measure has been saved."))
        return redirect("assistance-plan", pk=household.pk)
    return render(
        request, "assistance/measure_form.html", {"form": form, "household": household, "measure": measure}
    )


@login_required
@_domain_errors
def helper_assign(request: HttpRequest, pk: int) -> HttpResponse:
    household = services.household_open(actor=request.user, household_id=pk)
    _require(
        services.can_assign_helpers(_role(request)),
        _("Only township officers and the county bureau assign helpers."),
    )
    candidates = selectors.helper_candidates(household=household).select_related("division")
    form = HelperForm(
        request.POST if request.method == "POST" else None,
        candidates=candidates,
        initial={"helper": household.helper_id},
    )
    saved = _save(
        form,
        lambda helper_id: services.helper_assign(actor=request.user, household_id=pk, helper_id=helper_id),
    )
    if saved is not None:
        messages.success(request, _("The helper has been assigned."))
        return redirect("assistance-plan", pk=pk)
    return render(request, "assistance/helper_form.html", {"form": form, "household": household})


@login_required
@_domain_errors
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    household = services.household_open(actor=request.user, household_id=pk)
    _require_planner(request)
    plan = selectors.household_plan(household=household)
    form = VisitForm(
        request.POST if request.method == "POST" else None,
        measures=selectors.plan_measures(plan=plan) if plan else [],
        initial={"visited_on": clock.today()},
    )
    visit = _save(form, lambda data: services.visit_record(actor=request.user, household_id=pk, data=data))
    if visit is not None:
        messages.success(request, _("The visit has been recorded."))
        return redirect("assistance-plan", pk=pk)
    return render(request, "assistance/visit_form.html", {"form": form, "household": household})


@require_safe
@login_required
def my_follow_ups(request: HttpRequest) -> HttpResponse:
    rows = selectors.follow_ups_of_helper(actor=request.user, today=clock.today())
    return render(
        request,
        "assistance/my_follow_ups.html",
        {"rows": rows, "overdue": sum(1 for r in rows if r.is_overdue)},
    )


@require_safe
@login_required
@_domain_errors
def overdue_follow_ups(request: HttpRequest) -> HttpResponse:
    _require(
        services.can_assign_helpers(_role(request)),
        _("Only township officers and the county bureau see the follow-ups of every helper."),
    )
    return render(
        request,
        "assistance/overdue_follow_ups.html",
        {
            "rows": selectors.follow_ups_overdue(actor=request.user, today=clock.today()),
            "lacking": list(selectors.households_lacking_development_measure(actor=request.user)[:_SHOWN]),
            "helperless": list(selectors.households_without_helper(actor=request.user)[:_SHOWN]),
        },
    )


@require_safe
@login_required
def visit_form_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        visit_xlsform(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{FORM_ID}.xlsx"'
    return response


@login_required
@_domain_errors
def visits_upload(request: HttpRequest) -> HttpResponse:
    _require_planner(request)
    is_post = request.method == "POST"
    form = VisitUploadForm(request.POST if is_post else None, request.FILES if is_post else None)
    result = _save(
        form,
        lambda upload: visits_import(actor=request.user, content=upload.read(), file_name=upload.name or ""),
    )
    return render(request, "assistance/visits_upload.html", {"form": form, "result": result})
