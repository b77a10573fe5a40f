"""The data-quality page: the fix list per township and village, counts per rule, and the run history.

Each view parses, calls one selector or service, and renders; domain errors become HTTP answers.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fangpin.screening.quality import selectors, services
from fangpin.web.views import _domain_errors

PAGE_SIZE = 100


@require_safe
@login_required
@_domain_errors
def quality_home(request: HttpRequest) -> HttpResponse:
    language = get_language() or "zh-hans"
    run = selectors.quality_run_latest(actor=request.user)
    context: dict = {"run": run, "runs": selectors.quality_runs_recent(actor=request.user)}
    if run is not None:
        village = request.GET.get("village", "")[:12]
        rule = request.GET.get("rule", "")[:20]
        issues = selectors.quality_issues_for(actor=request.user, run=run, village=village, rule=rule)
        page = Paginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        names = selectors.division_names({i.village_code for i in rows} | {i.township_code for i in rows})
        for issue in rows:  # one page of rows: the names of their villages and townships, for the headings
            issue.village_name = names.get(issue.village_code, "")
            issue.township_name = names.get(issue.township_code, "")
        context |= {
            "page": page,
            "issues": rows,
            "rule_counts": selectors.quality_rule_counts(actor=request.user, run=run, language=language),
            "village": village,
            "rule": rule,
            "language": "zh" if language.startswith("zh") else "en",
        }
    return render(request, "screening/quality/home.html", context)


@require_POST
@login_required
@_domain_errors
def quality_run_now(request: HttpRequest) -> HttpResponse:
    services.quality_run_enqueue(actor=request.user)
    messages.success(request, _("The data-quality checks are running; reload this page in a minute."))
    return redirect("quality")
