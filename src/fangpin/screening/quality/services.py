"""Data-quality runs: the active quality rule set over every household, its issues stored with the run.

"Screen → fix → re-screen": each run compares its issues (household, rule) with the run before and counts the
new ones, the ones still open and the ones fixed since.
"""

import datetime as dt
import logging
from collections import Counter
from importlib import resources

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.audit.services import audit_record
from fangpin.core import clock
from fangpin.core.errors import ValidationError
from fangpin.monitoring.models import MonitoringLine
from fangpin.monitoring.selectors import monitoring_line_for
from fangpin.screening import engine as engines
from fangpin.screening.models import (
    QualityIssue,
    QualityRun,
    QualityTrigger,
    RulePurpose,
    RuleSet,
    RuleSetStatus,
)
from fangpin.screening.quality.table import KEYS, QualitySettings, quality_catalogue, quality_table
from fangpin.screening.rules import RuleSetDef, compile_rule_set, explain, load_rule_set, rule_column
from fangpin.screening.rules.templates import explained_names
from fangpin.screening.selectors import county_province, require_county
from fangpin.screening.services import evidence_value, rule_set_install_default

log = logging.getLogger(__name__)


def default_quality_source() -> str:
    return resources.files("fangpin.screening.quality").joinpath("default.yaml").read_text(encoding="utf-8")


def quality_rule_set_install_default(*, actor) -> RuleSet | None:
    """Install the shipped quality rules as version 1, active, when there are no quality rules yet."""
    return rule_set_install_default(
        actor=actor,
        purpose=RulePurpose.QUALITY,
        source=default_quality_source(),
        note=_("Default data-quality rules shipped with fangpin"),
    )


def _active_rule_set() -> RuleSet:
    rule_set = RuleSet.objects.filter(purpose=RulePurpose.QUALITY, status=RuleSetStatus.ACTIVE).first()
    if rule_set is None:
        raise ValidationError(_("There is no active data-quality rule set."))
    return rule_set


def _line_amount(as_of: dt.date, province_code: str):
    try:
        return monitoring_line_for(province_code=province_code, year=as_of.year).amount
    except MonitoringLine.DoesNotExist:
        return None  # rules comparing with the line stay silent rather than guess one


def quality_run(
    *,
    actor,
    trigger: str,
    as_of: dt.date | None = None,
    settings: QualitySettings | None = None,
) -> QualityRun:
    """Check every household with the active quality rules (installing the default first) and store the run."""
    require_county(actor)
    if trigger not in QualityTrigger.values:
        raise ValidationError(_("Unknown trigger {trigger}.").format(trigger=trigger), field="trigger")
    quality_rule_set_install_default(actor=actor)
    rule_set = _active_rule_set()
    definition = load_rule_set(rule_set.source, catalogue=quality_catalogue())
    as_of = as_of or clock.today()
    started = timezone.now()
    backend = engines.connect("duckdb")
    table = quality_table(
        backend,
        as_of=as_of,
        monitoring_line=_line_amount(as_of, county_province()),
        settings=settings or QualitySettings(),
    )
    households = int(table.count().to_pyarrow().as_py())
    flagged = compile_rule_set(definition, table, params={}, keys=KEYS).to_pyarrow()
    issues = _issues(definition, flagged)
    with transaction.atomic():
        previous = QualityRun.objects.select_for_update().order_by("-started_at", "-pk").first()
        before = (
            set(QualityIssue.objects.filter(run=previous).values_list("household_id", "rule_code"))
            if previous
            else set()
        )
        now_keys = {(i.household_id, i.rule_code) for i in issues}
        fixed = before - now_keys
        for issue in issues:
            issue.is_new = (issue.household_id, issue.rule_code) not in before
        per_rule: dict[str, dict[str, int]] = {}
        for counter, key in [
            (Counter(i.rule_code for i in issues), "issues"),
            (Counter(i.rule_code for i in issues if i.is_new), "new"),
            (Counter(code for _h, code in fixed), "fixed"),
        ]:
            for code, n in counter.items():
                per_rule.setdefault(code, {"issues": 0, "new": 0, "fixed": 0})[key] = n
        new = sum(1 for i in issues if i.is_new)
        run = QualityRun.objects.create(
            rule_set=rule_set,
            trigger=trigger,
            as_of=as_of,
            households=households,
            issues=len(issues),
            new_issues=new,
            still_open=len(issues) - new,
            fixed=len(fixed),
            counts=dict(sorted(per_rule.items())),
            requested_by=None if isinstance(actor, str) else actor,
            started_at=started,
            finished_at=timezone.now(),
        )
        for issue in issues:
            issue.run = run
        QualityIssue.objects.bulk_create(issues, batch_size=2000)
        audit_record(
            actor=actor,
            action="quality.run",
            obj=run,
            data={
                "trigger": trigger,
                "rule_set": rule_set.version,
                "issues": run.issues,
                "new": run.new_issues,
                "fixed": run.fixed,
            },
        )
    log.info("quality run %s: %s issues (%s new, %s fixed)", run.pk, run.issues, new, len(fixed))
    return run


def _issues(definition: RuleSetDef, flagged) -> list[QualityIssue]:
    """One unsaved issue per household and rule that fires, explained in both languages (flagged rows only)."""
    names = {rule.code: set(explained_names(rule)) for rule in definition.rules}
    out = []
    for row in flagged.to_pylist():
        for rule in definition.rules:
            if not row[rule_column(rule.code)]:
                continue
            values = {k: v for k, v in row.items() if k in names[rule.code]}
            numbers = values | dict(definition.parameters)
            out.append(
                QualityIssue(
                    household_id=row["household_id"],
                    village_code=row["village_code"],
                    township_code=row["township_code"],
                    rule_code=rule.code,
                    severity=rule.level.value,
                    explanation_zh=explain(rule, numbers, language="zh"),
                    explanation_en=explain(rule, numbers, language="en"),
                    values={k: evidence_value(v) for k, v in values.items()},
                )
            )
    return out


def quality_run_enqueue(*, actor, trigger: str = QualityTrigger.MANUAL) -> None:
    """Ask the background worker for a run (the page's button, and the import and monthly hooks)."""
    require_county(actor)
    if trigger not in QualityTrigger.values:
        raise ValidationError(_("Unknown trigger {trigger}.").format(trigger=trigger), field="trigger")
    from fangpin.screening.quality.tasks import quality_run_task  # the task module imports this one

    audit_record(actor=actor, action="quality.enqueue", data={"trigger": trigger})
    transaction.on_commit(lambda: quality_run_task.enqueue(trigger))
