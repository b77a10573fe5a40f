"""Reads of the screening pages: rule-set versions and runs, for the county bureau that manages them."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.core.errors import NotFound, PermissionDenied
from fangpin.divisions.models import Division
from fangpin.screening.models import RulePurpose, RuleSet, RuleSetStatus, RunKind, RunStatus, ScreeningRun


def _require_county(actor) -> None:
    if getattr(actor, "role", None) != Role.COUNTY:
        raise PermissionDenied(_("Only the county bureau manages screening rules and runs."))


def rule_sets_for(*, actor, purpose: str = RulePurpose.SCREENING) -> QuerySet[RuleSet]:
    _require_county(actor)
    return RuleSet.objects.filter(purpose=purpose).select_related("created_by", "activated_by")


def rule_set_active(*, purpose: str = RulePurpose.SCREENING) -> RuleSet | None:
    return RuleSet.objects.filter(purpose=purpose, status=RuleSetStatus.ACTIVE).first()


def rule_set_get(*, actor, rule_set_id: int) -> RuleSet:
    rule_set = rule_sets_for(actor=actor, purpose=RulePurpose.SCREENING).filter(pk=rule_set_id).first()
    if rule_set is None:
        raise NotFound(_("No such rule set."))
    return rule_set


def runs_recent(*, actor, limit: int = 20) -> list[ScreeningRun]:
    _require_county(actor)
    return list(
        ScreeningRun.objects.select_related("rule_set", "requested_by").order_by("-created_at")[:limit]
    )


def run_get(*, actor, run_id: int) -> ScreeningRun:
    _require_county(actor)
    run = (
        ScreeningRun.objects.select_related("rule_set", "requested_by", "monitoring_line")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound(_("No such screening run."))
    return run


def dry_run_latest(*, rule_set: RuleSet) -> ScreeningRun | None:
    return (
        rule_set.screeningrun_set.filter(kind=RunKind.DRY_RUN, status=RunStatus.DONE)
        .order_by("-finished_at")
        .first()
    )


def township_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=list(codes)).values_list("code", "name"))
