"""Reads of the screening pages: rule-set versions and runs, for the county bureau that manages them."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.divisions.codes import Level
from fangpin.divisions.models import Division
from fangpin.screening.models import RulePurpose, RuleSet, RuleSetStatus, RunKind, RunStatus, ScreeningRun


def require_county(actor) -> None:
    """Rule sets, runs and checks are the county bureau's; the CLI and background tasks act as the system (a
    string actor)."""
    if isinstance(actor, str):
        return
    if getattr(actor, "role", None) != Role.COUNTY:
        raise PermissionDenied(_("Only the county bureau manages screening rules and runs."))


def county_province() -> str:
    """The two-digit province of the loaded county, whose monitoring line applies."""
    county = Division.objects.filter(level=Level.COUNTY).values_list("code", flat=True).first()
    if county is None:
        raise ValidationError(_("No county is loaded: load the division tree first."))
    return county[:2]


def rule_sets_for(*, actor, purpose: str = RulePurpose.SCREENING) -> QuerySet[RuleSet]:
    require_county(actor)
    return RuleSet.objects.filter(purpose=purpose).select_related("created_by", "activated_by")


def rule_set_active(*, purpose: str = RulePurpose.SCREENING) -> RuleSet | None:
    return RuleSet.objects.filter(purpose=purpose, status=RuleSetStatus.ACTIVE).first()


def rule_set_get(*, actor, rule_set_id: int) -> RuleSet:
    rule_set = rule_sets_for(actor=actor, purpose=RulePurpose.SCREENING).filter(pk=rule_set_id).first()
    if rule_set is None:
        raise NotFound(_("No such rule set."))
    return rule_set


def runs_recent(*, actor, limit: int = 20) -> list[ScreeningRun]:
    require_county(actor)
    return list(
        ScreeningRun.objects.select_related("rule_set", "requested_by").order_by("-created_at")[:limit]
    )


def run_get(*, actor, run_id: int) -> ScreeningRun:
    require_county(actor)
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
