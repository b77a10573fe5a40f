"""Rule-set versions (save, dry run, activate) and screening runs, from request to alerts.

A run reads the registry snapshot and the done feed batches, evaluates the active rule set on one engine, and
writes its alerts in one transaction at the end: a run killed midway leaves no alert behind and can be rerun.
"""

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.alerts.services import alerts_refresh_from_screening
from fangpin.audit.services import audit_record
from fangpin.core import clock
from fangpin.core.dates import add_months
from fangpin.core.errors import NotFound, ValidationError
from fangpin.monitoring.selectors import monitoring_line_for
from fangpin.registry.snapshot import current_snapshot_dir, registry_snapshot_write
from fangpin.screening import engine as engines
from fangpin.screening.hits import hits_table
from fangpin.screening.indicators import REGISTRY, indicator_table
from fangpin.screening.inputs import feed_files
from fangpin.screening.models import (
    Engine,
    RulePurpose,
    RuleSet,
    RuleSetStatus,
    RunKind,
    RunStatus,
    ScreeningRun,
)
from fangpin.screening.quality.table import quality_catalogue
from fangpin.screening.rules import (
    RuleSetDef,
    compile_rule_set,
    dry_run_counts,
    load_rule_set,
    rule_column,
)
from fangpin.screening.rules.compiler import rule_names
from fangpin.screening.rules.loader import default_rule_set_source
from fangpin.screening.selectors import county_province, require_county

log = logging.getLogger(__name__)

FEED_MONTHS = 12


def _catalogue(purpose: str):
    """What a rule set's rules may name: the indicators for screening, the quality table's columns for checks."""
    return quality_catalogue() if purpose == RulePurpose.QUALITY else None


def rule_set_save(*, actor, source: str, note: str = "", purpose: str = RulePurpose.SCREENING) -> RuleSet:
    """Save an edited rule set as a new draft version; `RuleSetInvalid` lists every problem and nothing is saved."""
    require_county(actor)
    definition = load_rule_set(source, catalogue=_catalogue(purpose))
    with transaction.atomic():
        last = RuleSet.objects.select_for_update().filter(purpose=purpose).order_by("-version").first()
        rule_set = RuleSet.objects.create(
            purpose=purpose,
            version=(last.version + 1) if last else 1,
            source=source,
            definition=definition.model_dump(mode="json"),
            note=note,
            created_by=None if isinstance(actor, str) else actor,
        )
        audit_record(
            actor=actor,
            action="rule_set.save",
            obj=rule_set,
            data={"version": rule_set.version, "rules": len(definition.rules), "note": note},
        )
    return rule_set


def rule_set_activate(*, actor, rule_set_id: int, require_dry_run: bool = True) -> RuleSet:
    """Make a version the one screening runs with, retiring the one before it.

    A version is activated only after a finished dry run, so the county has seen how many households each rule
    flags; it is checked again against today's indicators, which may have changed since it was saved.
    """
    require_county(actor)
    with transaction.atomic():
        rule_set = RuleSet.objects.select_for_update().filter(pk=rule_set_id).first()
        if rule_set is None:
            raise NotFound(_("No such rule set."))
        if rule_set.status == RuleSetStatus.ACTIVE:
            raise ValidationError(_("Version {version} is already active.").format(version=rule_set.version))
        load_rule_set(rule_set.source, catalogue=_catalogue(rule_set.purpose))
        if (
            require_dry_run
            and rule_set.purpose == RulePurpose.SCREENING
            and not rule_set.screeningrun_set.filter(kind=RunKind.DRY_RUN, status=RunStatus.DONE).exists()
        ):
            raise ValidationError(
                _(
                    "Run a dry run of version {version} first, to see how many households each rule flags."
                ).format(version=rule_set.version)
            )
        previous = list(
            RuleSet.objects.select_for_update().filter(purpose=rule_set.purpose, status=RuleSetStatus.ACTIVE)
        )
        for old in previous:
            old.status = RuleSetStatus.RETIRED
            old.save(update_fields=["status"])
        rule_set.status = RuleSetStatus.ACTIVE
        rule_set.activated_at = timezone.now()
        rule_set.activated_by = None if isinstance(actor, str) else actor
        rule_set.save(update_fields=["status", "activated_at", "activated_by"])
        audit_record(
            actor=actor,
            action="rule_set.activate",
            obj=rule_set,
            data={"version": rule_set.version, "retired": [old.version for old in previous]},
        )
    return rule_set


def rule_set_install_default(
    *, actor, purpose: str = RulePurpose.SCREENING, source: str | None = None, note: str = ""
) -> RuleSet | None:
    """Install a shipped rule set (by default the screening rules) as version 1, active, when the county has none
    of that purpose yet. The shipped set needs no dry run: there is nothing earlier to compare it with.
    """
    if RuleSet.objects.filter(purpose=purpose).exists():
        return None
    rule_set = rule_set_save(
        actor=actor,
        source=default_rule_set_source() if source is None else source,
        note=note or _("Default rules shipped with fangpin"),
        purpose=purpose,
    )
    return rule_set_activate(actor=actor, rule_set_id=rule_set.pk, require_dry_run=False)


def last_complete_month(today: dt.date | None = None) -> dt.date:
    today = today or clock.today()
    return add_months(today.replace(day=1), -1)


def screening_run_create(
    *,
    actor,
    kind: str = RunKind.RUN,
    engine: str = Engine.DUCKDB,
    as_of: dt.date | None = None,
    rule_set_id: int | None = None,
) -> ScreeningRun:
    """Record a requested run (the caller executes it now or enqueues it). A run uses the active rule set; a dry
    run may use any version."""
    require_county(actor)
    screening_runs_recover()  # a run killed earlier shows as interrupted, not as still running beside this one
    if engine not in Engine.values:
        raise ValidationError(_("Unknown engine {engine}.").format(engine=engine), field="engine")
    if rule_set_id is not None:
        rule_set = RuleSet.objects.filter(pk=rule_set_id).first()
        if rule_set is None:
            raise NotFound(_("No such rule set."))
        if kind == RunKind.RUN and rule_set.status != RuleSetStatus.ACTIVE:
            raise ValidationError(_("Only the active rule set raises alerts; dry-run a draft instead."))
    else:
        rule_set = RuleSet.objects.filter(purpose=RulePurpose.SCREENING, status=RuleSetStatus.ACTIVE).first()
        if rule_set is None:
            raise ValidationError(_("There is no active rule set yet."))
    as_of = (as_of or last_complete_month()).replace(day=1)
    with transaction.atomic():
        run = ScreeningRun.objects.create(
            kind=kind,
            rule_set=rule_set,
            engine=engine,
            as_of=as_of,
            requested_by=None if isinstance(actor, str) else actor,
        )
        audit_record(
            actor=actor,
            action="screening.request",
            obj=run,
            data={"kind": kind, "engine": engine, "as_of": as_of.isoformat(), "rule_set": rule_set.version},
        )
    return run


def screening_run_enqueue(**kwargs) -> ScreeningRun:
    """Create a run and hand it to the background worker once the request's transaction commits."""
    from fangpin.screening.tasks import screening_run_task

    run = screening_run_create(**kwargs)
    transaction.on_commit(lambda: screening_run_task.enqueue(run.pk))
    return run


def _this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_is_gone(worker: str) -> bool:
    """True when `worker` ("host:pid") ran on this machine and its process no longer exists. A process on
    another machine, or one that cannot be told, counts as alive: the time limit then decides."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


def screening_runs_recover(*, older_than: dt.timedelta = dt.timedelta(hours=2)) -> int:
    """Mark runs that died while running (a killed worker) as failed, so the queue and the pages tell the truth:
    at once when the run's process on this machine is gone, otherwise once it has run longer than any run does.

    Nothing else needs cleaning: a run writes its alerts in one transaction at its very end.
    """
    running = ScreeningRun.objects.filter(status=RunStatus.RUNNING)
    stale = [pk for pk, worker in running.values_list("pk", "worker") if _worker_is_gone(worker)]
    return running.filter(Q(pk__in=stale) | Q(started_at__lt=timezone.now() - older_than)).update(
        status=RunStatus.FAILED,
        message=_("Interrupted: the run stopped before it finished and wrote nothing. Run it again."),
        finished_at=timezone.now(),
    )


@dataclass(frozen=True)
class _Context:
    definition: RuleSetDef
    line_amount: Decimal
    params: dict[str, float]


def screening_execute(*, run_id: int, actor="system", take_snapshot: bool = False) -> ScreeningRun:
    """Evaluate a run. On failure the run is marked failed with the reason, and nothing else is written."""
    run = ScreeningRun.objects.select_related("rule_set").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        raise ValidationError(_("Run {id} has already been started.").format(id=run.pk))
    started = time.perf_counter()
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), worker=_this_worker()
    )
    try:
        _execute(run, actor=actor, take_snapshot=take_snapshot, started=started)
    except Exception as error:  # the task boundary: record why, then let the worker log it
        log.exception("screening run %s failed", run.pk)
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            message=str(getattr(error, "message", error))[:2000],
            finished_at=timezone.now(),
            duration_s=time.perf_counter() - started,
        )
        raise
    run.refresh_from_db()
    return run


def _execute(run: ScreeningRun, *, actor, take_snapshot: bool, started: float) -> None:
    definition = RuleSetDef.model_validate(run.rule_set.definition)
    line = monitoring_line_for(province_code=county_province(), year=run.as_of.year)
    snapshot = current_snapshot_dir()
    if snapshot is None or take_snapshot:
        snapshot = registry_snapshot_write(actor=actor)
    feeds = feed_files(as_of=run.as_of, months=FEED_MONTHS)
    backend = engines.connect(run.engine)
    inputs = engines.load_inputs(backend, snapshot_dir=snapshot, feeds=feeds)
    table = indicator_table(inputs, as_of=run.as_of, names=definition_indicators(definition))
    params = {"monitoring_line": float(line.amount)}
    # Every indicator is left-joined onto the households, so counting them needs no indicator at all.
    households = engines.to_arrow(inputs.households.count().as_table()).column(0)[0].as_py()
    fields = {
        "monitoring_line": line,
        "line_amount": line.amount,
        "snapshot_id": snapshot.name,
        "inputs": feeds.batches_json(),
        "missing_months": feeds.missing_json(),
        "households": households,
    }
    if run.kind == RunKind.DRY_RUN:
        counts = engines.to_arrow(dry_run_counts(definition, table, params=params))
        fields |= {
            "counts": _counts_json(definition, counts),
            "hits": sum(counts.column("flagged").to_pylist()),
        }
        _finish(run, fields, started)
        return
    flagged = engines.to_arrow(compile_rule_set(definition, table, params=params))
    hits = hits_table(
        definition, flagged, rule_set_id=run.rule_set_id, sources=feeds.batches_json(), line=line.amount
    )
    fields |= {"counts": _flagged_counts(definition, flagged), "hits": flagged.num_rows}
    with transaction.atomic():
        result = alerts_refresh_from_screening(actor=actor, run_id=run.pk, hits=hits, as_of=run.as_of)
        fields |= {"alerts_created": result.created, "alerts_refreshed": result.refreshed}
        _finish(run, fields, started)


def definition_indicators(definition: RuleSetDef) -> list[str] | None:
    """The indicators a rule set needs, so a run computes nothing else (every indicator has a cost)."""
    kinds = {name: ind.kind for name, ind in REGISTRY.items()}
    names = set().union(*(rule_names(rule, kinds) for rule in definition.rules))
    return sorted(n for n in names if n in REGISTRY)


def _finish(run: ScreeningRun, fields: dict, started: float) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.duration_s = time.perf_counter() - started
    if run.missing_months:
        run.message = _("Some feed months were missing; the run used what there was: {months}.").format(
            months="; ".join(f"{source} {', '.join(months)}" for source, months in run.missing_months)
        )
    run.save()
    audit_record(
        actor="system",
        action=f"screening.{run.kind}",
        obj=run,
        data={"households": run.households, "hits": run.hits, "duration_s": round(run.duration_s, 3)},
    )


def _counts_json(definition: RuleSetDef, counts: pa.Table) -> dict:
    """{"townships": {code: {"households": n, "flagged": n, "rules": {rule: n}}}} for the dry-run table."""
    rows = counts.to_pylist()
    return {
        "townships": {
            row["township_code"]: {
                "households": row["households"],
                "flagged": row["flagged"],
                "rules": {r.code: row[rule_column(r.code)] for r in definition.rules},
            }
            for row in rows
        }
    }


def _flagged_counts(definition: RuleSetDef, flagged: pa.Table) -> dict:
    """The flagged rows counted per township and rule in one group-by, in the dry run's shape."""
    columns = [rule_column(r.code) for r in definition.rules]
    as_ints = flagged.select(["township_code", *columns]).cast(
        pa.schema([pa.field("township_code", pa.string()), *(pa.field(c, pa.int64()) for c in columns)])
    )
    sums = as_ints.group_by("township_code").aggregate(
        [("township_code", "count"), *((c, "sum") for c in columns)]
    )
    return {
        "townships": {
            row["township_code"]: {
                "flagged": row["township_code_count"],
                "rules": {r.code: row[f"{rule_column(r.code)}_sum"] for r in definition.rules},
            }
            for row in sums.to_pylist()
        }
    }


def evidence_value(value):
    """An indicator value as evidence JSON holds it: floats to four places, dates as ISO text."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
