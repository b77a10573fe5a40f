"""Rule-set versions and screening runs, end to end on a small simulated county with its department files."""

import datetime as dt
import os
import socket
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from fangpin.accounts.roles import Role
from fangpin.alerts.evidence import explain_lines
from fangpin.alerts.models import Alert, AlertSource
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.feeds.models import BatchStatus, FeedBatch
from fangpin.monitoring.models import MonitoringLine
from fangpin.screening import services
from fangpin.screening.models import RuleSet, RuleSetStatus, RunKind, RunStatus, ScreeningRun
from fangpin.screening.rules import RuleSetInvalid
from fangpin.screening.rules.loader import default_rule_set_source
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate, sample_feeds_import

AS_OF = dt.date(2026, 10, 1)


@pytest.fixture
def screened_county(users, tmp_path, settings):
    """A 1,000-household county, its department files imported, the default rules active."""
    settings.PARQUET_DIR = tmp_path / "parquet"
    # A transactional test (the browser's) starts from a flushed database, without the migration's national line.
    MonitoringLine.objects.get_or_create(province_code="00", year=2021, defaults={"amount": Decimal("6000")})
    result = county_simulate(
        actor="test",
        params=SimulationParams(households=1_000, seed=11),
        parquet_root=settings.PARQUET_DIR / "snapshots",
        feed_dir=tmp_path / "feeds",
    )
    sample_feeds_import(actor="test", paths=result.feed_files)
    services.rule_set_install_default(actor="test")
    return users


@pytest.fixture
def default_rules(users):
    """The default rules installed, no county data (for checks that never reach a run)."""
    services.rule_set_install_default(actor="test")
    return users


def _run(kind=RunKind.RUN, **kwargs) -> ScreeningRun:
    run = services.screening_run_create(actor="test", kind=kind, as_of=AS_OF, **kwargs)
    return services.screening_execute(run_id=run.pk)


@pytest.mark.django_db
def test_a_run_raises_alerts_with_evidence_and_a_rerun_only_refreshes_them(screened_county):
    run = _run()
    assert run.status == RunStatus.DONE
    assert run.households == 1_000
    assert run.alerts_created > 0
    assert run.alerts_created == Alert.objects.filter(source=AlertSource.RULE).count()
    assert run.line_amount is not None and run.snapshot_id
    assert set(run.inputs) >= {"health"}  # the feed batches behind the values
    # Evidence keeps the version and the values; the page renders the sentence from that version's template.
    alert = next(
        a
        for a in Alert.objects.filter(run=run)
        if any(r["rule"] == "medical_oop_year" for r in a.evidence["rules"])
    )
    assert alert.evidence["rule_set"] == run.rule_set_id
    # The batches behind its values: the hospital file's, not every file the run read.
    assert alert.evidence["sources"]["health"] == run.inputs["health"]
    assert set(alert.evidence["sources"]) < set(run.inputs)
    assert alert.evidence["line"] == str(run.line_amount)
    values = next(r["values"] for r in alert.evidence["rules"] if r["rule"] == "medical_oop_year")
    paid = Decimal(str(values["medical_oop_12m"])).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert f"近12个月医疗自付 {paid:,} 元，超过 20,000 元" in explain_lines(alert.evidence, "zh-hans")

    second = _run()  # a re-run refreshes the open alerts and adds no duplicate
    assert second.alerts_created == 0
    assert second.alerts_refreshed == run.alerts_created + run.alerts_refreshed
    assert Alert.objects.filter(source=AlertSource.RULE).count() == run.alerts_created


@pytest.mark.django_db
def test_a_dry_run_counts_per_township_and_raises_no_alert(screened_county):
    before = Alert.objects.count()  # the 公安 file's push alerts, raised at import
    run = _run(kind=RunKind.DRY_RUN)
    assert Alert.objects.count() == before
    townships = run.counts["townships"]
    assert sum(t["households"] for t in townships.values()) == 1_000
    assert run.hits == sum(t["flagged"] for t in townships.values()) > 0


@pytest.mark.django_db
def test_a_run_that_fails_while_writing_alerts_leaves_none_and_can_be_rerun(screened_county, monkeypatch):
    real = services.alerts_refresh_from_screening

    def write_then_die(**kwargs):
        real(**kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "alerts_refresh_from_screening", write_then_die)
    before = set(Alert.objects.values_list("pk", "refreshed_at", "level"))
    run = services.screening_run_create(actor="test", as_of=AS_OF)
    with pytest.raises(RuntimeError):
        services.screening_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker killed" in run.message
    assert set(Alert.objects.values_list("pk", "refreshed_at", "level")) == before
    monkeypatch.setattr(services, "alerts_refresh_from_screening", real)
    assert _run().alerts_created > 0


@pytest.mark.django_db
def test_a_run_left_running_by_a_killed_worker_is_marked_interrupted(screened_county):
    run = services.screening_run_create(actor="test", as_of=AS_OF)
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    assert services.screening_runs_recover() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Interrupted" in run.message


@pytest.mark.django_db
def test_a_run_whose_process_is_gone_is_marked_interrupted_at_once(screened_county):
    dead = subprocess.Popen(["true"])
    dead.wait()  # a process that has exited: kill -9 on a worker leaves the same
    host = socket.gethostname()
    runs = {}
    for name, worker in [
        ("dead", f"{host}:{dead.pid}"),
        ("alive", f"{host}:{os.getpid()}"),
        ("elsewhere", "other:1"),
    ]:
        run = services.screening_run_create(actor="test", as_of=AS_OF)
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING, started_at=timezone.now(), worker=worker
        )
        runs[name] = run.pk
    # Asking for a new run is enough: nobody waits two hours to see that the killed run is not running.
    services.screening_run_create(actor="test", as_of=AS_OF)
    status = dict(ScreeningRun.objects.filter(pk__in=runs.values()).values_list("pk", "status"))
    assert status[runs["dead"]] == RunStatus.FAILED
    assert status[runs["alive"]] == RunStatus.RUNNING  # this very process
    assert status[runs["elsewhere"]] == RunStatus.RUNNING  # another machine: the time limit decides


@pytest.mark.django_db
def test_a_missing_feed_month_is_named_and_the_run_uses_what_there_is(screened_county):
    FeedBatch.objects.filter(schema__source="health").update(status=BatchStatus.FAILED)
    run = _run()
    assert run.status == RunStatus.DONE
    assert "health" in run.message and "2026-10" in run.message
    assert "health" not in run.inputs


@pytest.mark.django_db
def test_an_edited_rule_set_with_an_unknown_indicator_is_refused_and_not_saved(default_rules):
    text = default_rule_set_source().replace("medical_oop_12m > medical_oop_year", "medical_opp_12m > 1")
    with pytest.raises(RuleSetInvalid) as error:
        services.rule_set_save(actor=default_rules[Role.COUNTY], source=text)
    problem = error.value.problems[0]
    assert problem.rule == "medical_oop_year" and problem.word == "medical_opp_12m"
    assert RuleSet.objects.count() == 1


@pytest.mark.django_db
def test_a_new_version_is_activated_only_after_a_dry_run_and_retires_the_old_one(screened_county):
    county = screened_county[Role.COUNTY]
    old = RuleSet.objects.get()
    draft = services.rule_set_save(
        actor=county, source=default_rule_set_source().replace("20000", "15000"), note="lower"
    )
    with pytest.raises(ValidationError, match="dry run"):
        services.rule_set_activate(actor=county, rule_set_id=draft.pk)
    _run(kind=RunKind.DRY_RUN, rule_set_id=draft.pk)
    services.rule_set_activate(actor=county, rule_set_id=draft.pk)
    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status) == (RuleSetStatus.RETIRED, RuleSetStatus.ACTIVE)
    assert AuditEvent.objects.filter(action="rule_set.activate").count() == 2  # the default, then v2


@pytest.mark.django_db
def test_a_draft_cannot_raise_alerts(default_rules):
    draft = services.rule_set_save(actor="test", source=default_rule_set_source())
    with pytest.raises(ValidationError, match="Only the active rule set"):
        services.screening_run_create(actor="test", rule_set_id=draft.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.TOWNSHIP, Role.VILLAGE, Role.DEPARTMENT, Role.ANALYST])
def test_only_the_county_bureau_writes_rules_and_starts_runs(default_rules, role):
    user = default_rules[role]
    with pytest.raises(PermissionDenied):
        services.rule_set_save(actor=user, source=default_rule_set_source())
    with pytest.raises(PermissionDenied):
        services.screening_run_create(actor=user)
    assert RuleSet.objects.count() == 1 and ScreeningRun.objects.count() == 0


@pytest.mark.django_db
def test_the_default_rules_raise_identical_alerts_on_duckdb_and_pyspark(screened_county):
    """The parity the engines promise: same households, risk codes and levels (issue 5)."""

    def alerts() -> set[tuple[int, str, str]]:
        return set(Alert.objects.values_list("household_id", "risk_code", "level"))

    Alert.objects.all().delete()  # test-only resets: each engine starts from an empty queue
    spark = _run(engine="spark")
    on_spark = alerts()
    Alert.objects.all().delete()
    duckdb = _run(engine="duckdb")
    assert spark.hits == duckdb.hits > 0
    assert alerts() == on_spark
    assert spark.counts == duckdb.counts


@pytest.mark.django_db
def test_simulating_a_new_county_clears_the_old_countys_alerts_runs_and_feeds(screened_county, tmp_path):
    _run()
    assert Alert.objects.exists()
    county_simulate(
        actor="test",
        params=SimulationParams(households=1_000, seed=12),
        parquet_root=tmp_path / "parquet" / "snapshots",
    )
    assert not Alert.objects.exists() and not ScreeningRun.objects.exists()
    assert not FeedBatch.objects.exists()
    assert RuleSet.objects.filter(status=RuleSetStatus.ACTIVE).exists()  # the county's rules stay
