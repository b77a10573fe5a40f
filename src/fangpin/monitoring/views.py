"""The monitoring-line page: the county bureau sees the lines in force and sets its province's line by year."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fangpin.accounts.roles import Role
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.monitoring.selectors import monitoring_lines_for
from fangpin.monitoring.services import monitoring_line_save
from fangpin.web.forms import _Form
from fangpin.web.views import _domain_errors


class LineForm(_Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2020, max_value=2100)
    amount = forms.DecimalField(
        label=gettext_lazy("Yuan per person per year"), max_digits=10, decimal_places=2, min_value=1
    )
    note = forms.CharField(label=gettext_lazy("Source or note"), max_length=200, required=False)


@require_http_methods(["GET", "POST"])
@login_required
@_domain_errors
def monitoring_lines(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.COUNTY:
        raise PermissionDenied(_("Only the county bureau sets the monitoring line."))
    province = (request.user.division_id or "")[:2]
    form = LineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            line = monitoring_line_save(actor=request.user, province_code=province, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(
                request,
                _("The line for {year} is now {amount} yuan.").format(year=line.year, amount=line.amount),
            )
            return redirect("monitoring-lines")
    return render(
        request,
        "monitoring/lines.html",
        {
            "lines": monitoring_lines_for(province_code=province),
            "form": form,
            "province": province,
        },
    )
