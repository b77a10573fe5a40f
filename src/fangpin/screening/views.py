"""The county bureau's screening pages: rule-set versions (edit, dry run, activate) and runs.

Each view parses, calls one screening service or selector, and renders; domain errors become HTTP answers.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangpin.alerts.models import AlertLevel
from fangpin.core.errors import ValidationError
from fangpin.screening import selectors, services
from fangpin.screening.forms import RuleSetForm, RunForm
from fangpin.screening.indicators import REGISTRY
from fangpin.screening.models import RunKind, RunStatus
from fangpin.screening.rules import RuleSetDef, RuleSetInvalid
from fangpin.web.views import _domain_errors

_ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


@require_http_methods(["GET", "POST"])
@login_required
@_domain_errors
def screening_home(request: HttpRequest) -> HttpResponse:
    runs = selectors.runs_recent(actor=request.user)
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.screening_run_enqueue(
                actor=request.user, engine=form.cleaned_data["engine"], as_of=form.cleaned_data["as_of"]
            )
        except ValidationError as e:
            form.add_error(None, e.message)
        else:
            return redirect("screening-run", run.pk)
    return render(
        request,
        "screening/home.html",
        {"runs": runs, "form": form, "active": selectors.rule_set_active()},
    )


@require_safe
@login_required
@_domain_errors
def rule_set_list(request: HttpRequest) -> HttpResponse:
    rule_sets = list(selectors.rule_sets_for(actor=request.user))
    return render(request, "screening/rule_set_list.html", {"rule_sets": rule_sets})


@require_safe
@login_required
@_domain_errors
def rule_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = selectors.rule_set_get(actor=request.user, rule_set_id=pk)
    definition = RuleSetDef.model_validate(rule_set.definition)
    dry_run = selectors.dry_run_latest(rule_set=rule_set)
    pending = rule_set.screeningrun_set.filter(kind=RunKind.DRY_RUN, status__in=_ACTIVE).first()
    return render(
        request,
        "screening/rule_set_detail.html",
        {
            "rule_set": rule_set,
            "definition": definition,
            # Each rule with its level's label, the same words the alert queue uses.
            "rules": [(rule, AlertLevel(rule.level.value).label) for rule in definition.rules],
            "dry_run": dry_run,
            "dry_run_table": _counts_table(dry_run, definition) if dry_run else None,
            "pending": pending,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@_domain_errors
def rule_set_edit(request: HttpRequest) -> HttpResponse:
    """Write a new version, starting from an existing one (`?from=<id>`) or the active one."""
    base_id = request.GET.get("from")
    if base_id and base_id.isdigit():
        base = selectors.rule_set_get(actor=request.user, rule_set_id=int(base_id))
    else:
        selectors.rule_sets_for(actor=request.user)  # the permission check
        base = selectors.rule_set_active()
    form = RuleSetForm(request.POST or None, initial={"source": base.source if base else ""})
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            rule_set = services.rule_set_save(
                actor=request.user, source=form.cleaned_data["source"], note=form.cleaned_data["note"]
            )
        except RuleSetInvalid as e:
            problems = e.problems
        else:
            messages.success(
                request,
                _("Saved as version {version}, a draft. Dry-run it before activating it.").format(
                    version=rule_set.version
                ),
            )
            return redirect("screening-rule-set", rule_set.pk)
    indicators = sorted(REGISTRY.values(), key=lambda i: i.name)
    return render(
        request,
        "screening/rule_set_edit.html",
        {"form": form, "base": base, "problems": problems, "indicators": indicators},
    )


@require_POST
@login_required
@_domain_errors
def rule_set_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = selectors.rule_set_get(actor=request.user, rule_set_id=pk)
    try:
        run = services.screening_run_enqueue(
            actor=request.user, kind=RunKind.DRY_RUN, rule_set_id=rule_set.pk
        )
    except ValidationError as e:
        messages.error(request, e.message)
        return redirect("screening-rule-set", rule_set.pk)
    return redirect("screening-run", run.pk)


@require_POST
@login_required
@_domain_errors
def rule_set_activate(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rule_set = services.rule_set_activate(actor=request.user, rule_set_id=pk)
    except ValidationError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, _("Version {version} is now the active rule set.").format(version=rule_set.version)
        )
    return redirect("screening-rule-set", pk)


@require_safe
@login_required
@_domain_errors
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, run_id=pk)
    definition = RuleSetDef.model_validate(run.rule_set.definition)
    return render(
        request,
        "screening/run_detail.html",
        {
            "run": run,
            "table": _counts_table(run, definition) if run.status == RunStatus.DONE else None,
            "is_working": run.status in _ACTIVE,
        },
    )


def _counts_table(run, definition: RuleSetDef) -> dict:
    """Rules as rows and townships as columns (a county has a dozen or two townships, a rule set more rules)."""
    townships = (run.counts or {}).get("townships", {})
    names = selectors.township_names(townships)
    is_english = (get_language() or "").startswith("en")
    rows = [
        {
            "name": names.get(code, code),
            "households": counts.get("households"),
            "flagged": counts.get("flagged", 0),
            "rules": counts.get("rules", {}),
        }
        for code, counts in sorted(townships.items())
    ]
    by_rule = [
        {
            "name": rule.name.en if is_english else rule.name.zh,
            "when": rule.when,
            "counts": [row["rules"].get(rule.code, 0) for row in rows],
        }
        for rule in definition.rules
    ]
    for rule in by_rule:
        rule["total"] = sum(rule["counts"])
    return {
        "rows": rows,
        "by_rule": by_rule,
        "flagged": sum(r["flagged"] for r in rows),
        "households": sum(r["households"] or 0 for r in rows),
    }
