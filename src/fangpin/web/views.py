"""The web pages: each parses the request, calls one selector or service, and renders.

Domain errors become HTTP answers in one place (`_domain_errors`): NotFound is a 404 (a household outside
the user's area looks exactly like one that does not exist), PermissionDenied a 403 page with the reason.
"""

from collections.abc import Callable
from functools import wraps
from typing import TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from fangpin.accounts.models import User
from fangpin.accounts.roles import Role, can_edit_registry, can_reveal_id_numbers
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.registry import selectors, services
from fangpin.web.display import history_rows, no_households_reason
from fangpin.web.forms import HouseholdSearchForm, IncomeForm, MemberForm
from fangpin.web.household_page import household_page_open

T = TypeVar("T")


def _domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None  # the service has already audited the refused look
        except PermissionDenied as e:
            raise HttpForbidden(e.message) from None  # rendered by templates/403.html

    return wrapper


def _save(form, write: Callable[..., T]) -> T | None:
    """Run a service on a bound, valid form; a ValidationError it raises lands on the field it names."""
    if not (form.is_bound and form.is_valid()):
        return None
    try:
        return write(form.to_data())
    except ValidationError as e:
        form.add_error(e.field if e.field in form.fields else None, e.message)
        return None


@require_safe
@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    form = HouseholdSearchForm(request.GET, user=request.user)
    result = services.household_search(
        actor=request.user,
        filters=form.to_filter(),
        page=request.GET.get("page"),
        page_size=settings.FANGPIN_PAGE_SIZE,
    )
    return render(
        request,
        "web/household_list.html",
        {
            "form": form,
            "page": result.page,
            "rows": result.rows,
            "empty_reason": no_households_reason(request.user),
        },
    )


@require_safe
@login_required
@_domain_errors
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = household_page_open(actor=request.user, household_id=pk)
    file = page.file
    role = Role(cast(User, request.user).role)
    return render(
        request,
        "web/household_detail.html",
        {
            "file": file,
            "household": file.household,
            "case": page.case,
            "history": history_rows(file.history),
            "can_edit": can_edit_registry(role),
            "can_reveal": can_reveal_id_numbers(role),
        },
    )


@require_POST
@never_cache
@login_required
@_domain_errors
def member_id_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number: a fragment for the page's script, or a small page when scripts are off."""
    number = services.member_id_number_reveal(actor=request.user, member_id=pk)
    if request.headers.get("X-Fragment"):
        return render(request, "web/_id_number.html", {"number": number})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    return render(request, "web/id_number.html", {"number": number, "back": back})


@login_required
@_domain_errors
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(actor=request.user, household_id=pk)
    services.registry_edit_check(request.user)
    form = MemberForm(request.POST if request.method == "POST" else None)
    member = _save(form, lambda data: services.member_add(actor=request.user, household_id=pk, data=data))
    if member is not None:
        messages.success(request, _("%(name)s has been added to the household.") % {"name": member.name})
        return redirect("household-detail", pk=pk)
    return render(request, "web/member_form.html", {"form": form, "household": household})


@login_required
@_domain_errors
def income_record(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(actor=request.user, household_id=pk)
    services.registry_edit_check(request.user)
    form = IncomeForm(request.POST if request.method == "POST" else None)
    record = _save(form, lambda data: services.income_record(actor=request.user, household_id=pk, data=data))
    if record is not None:
        month = f"{record.period:%Y-%m}"
        messages.success(request, _("The income for %(month)s has been recorded.") % {"month": month})
        return redirect("household-detail", pk=pk)
    return render(request, "web/income_form.html", {"form": form, "household": household})
