"""Reads of the data-quality checks: the fix list, counts per rule and run history, narrowed to the user's area.

Village, township and county staff see the issues of their own division's households; other roles see none.
"""

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.core.errors import PermissionDenied
from fangpin.divisions.jurisdiction import scope_for
from fangpin.divisions.models import Division
from fangpin.screening.models import QualityIssue, QualityRun
from fangpin.screening.rules import RuleSetDef

QUALITY_ROLES = (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
RUN_HISTORY = 12


@dataclass(frozen=True)
class RuleCount:
    code: str
    name: str
    severity: str
    issues: int


def _require_role(actor) -> None:
    if getattr(actor, "role", None) not in QUALITY_ROLES:
        raise PermissionDenied(_("Only county, township and village staff see the data-quality checks."))


def quality_run_latest(*, actor) -> QualityRun | None:
    _require_role(actor)
    return QualityRun.objects.select_related("rule_set").order_by("-started_at", "-pk").first()


def quality_runs_recent(*, actor, limit: int = RUN_HISTORY) -> list[QualityRun]:
    """The run history: new, still open and fixed issues of the whole county per run."""
    _require_role(actor)
    return list(QualityRun.objects.order_by("-started_at", "-pk")[:limit])


def quality_issues_for(
    *, actor, run: QualityRun, village: str = "", rule: str = ""
) -> QuerySet[QualityIssue]:
    """The fix list of a run inside the actor's area, per township and village, optionally one village or rule."""
    _require_role(actor)
    issues = scope_for(actor).filter(QualityIssue.objects.filter(run=run), field="village_code")
    if village:
        issues = issues.filter(village_code=village)
    if rule:
        issues = issues.filter(rule_code=rule)
    return issues.select_related("household").order_by(
        "township_code", "village_code", "household__number", "rule_code"
    )


def quality_rule_counts(*, actor, run: QualityRun, language: str) -> list[RuleCount]:
    """Issues per rule inside the actor's area, named in `language`, in rule-code order."""
    issues = quality_issues_for(actor=actor, run=run)
    counts = dict(issues.order_by().values_list("rule_code").annotate(n=Count("id")))
    definition = RuleSetDef.model_validate(run.rule_set.definition)
    return [
        RuleCount(r.code, r.name.get(language), r.level.value, counts[r.code])
        for r in definition.rules
        if counts.get(r.code)
    ]


def division_names(codes: set[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
