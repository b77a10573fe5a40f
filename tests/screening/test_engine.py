"""The engine module: the done batches' files a run reads, and the same indicator table on DuckDB and PySpark
for a simulated county of 2,000 households with its department files imported."""

import datetime as dt

import pyarrow.compute as pc
import pytest

from fangpin.feeds.models import BatchStatus, FeedBatch
from fangpin.feeds.services import feed_import
from fangpin.registry.snapshot import current_snapshot_dir
from fangpin.screening import engine as engines
from fangpin.screening.indicators import REGISTRY, indicator_table
from fangpin.screening.inputs import feed_files, window_months
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate

END = dt.date(2026, 10, 1)
AS_OF = dt.date(2026, 10, 31)


def _simulate_and_import(settings, tmp_path, *, households: int, months: int, sources=None):
    settings.PARQUET_DIR = tmp_path / "parquet"
    params = SimulationParams(households=households, months=months, end_month=END)
    result = county_simulate(actor="test", params=params, feed_dir=tmp_path / "files")
    for path in result.feed_files:
        source = path.stem.rsplit("_", 1)[0]
        if sources is None or source in sources:
            feed_import(actor="cli", source=source, path=path, department=source, today=dt.date(2026, 11, 1))
    return result


@pytest.fixture
def county_with_feeds(db, settings, tmp_path):
    """2,000 simulated households over 24 months (so the year-on-year change has data), every feed imported."""
    return _simulate_and_import(settings, tmp_path, households=2_000, months=24)


@pytest.fixture
def small_county(db, settings, tmp_path):
    """1,000 households with only the health and housing files imported."""
    return _simulate_and_import(
        settings, tmp_path, households=1_000, months=12, sources={"health", "housing"}
    )


def test_feed_files_lists_only_done_batches_within_the_window_and_names_missing_months(small_county):
    health = FeedBatch.objects.get(schema__source="health")
    FeedBatch.objects.filter(schema__source="housing").update(status=BatchStatus.FAILED)
    files = feed_files(as_of=AS_OF)
    assert files.months == tuple(window_months(as_of=AS_OF)) and files.months[0] == dt.date(2025, 11, 1)
    assert files.batch_ids["health"] == (health.pk,)
    periods = {p.parent.name for p in files.files["health"]}
    assert periods <= {f"period={m:%Y%m}" for m in files.months} and len(periods) == 12
    assert files.files["housing"] == () and files.batch_ids["housing"] == ()
    assert files.missing_months["housing"] == files.months
    assert files.missing_months["health"] == ()
    assert files.files["finance"] == () and files.missing_months["finance"] == files.months  # never imported
    assert ["housing", [f"{m:%Y-%m}" for m in files.months]] in files.missing_json()
    assert "housing" not in files.batches_json() and files.batches_json()["health"] == [health.pk]
    # A month is missing when no done batch's periods reach it, even if an earlier one did.
    FeedBatch.objects.filter(pk=health.pk).update(period_end=dt.date(2026, 7, 1))
    late = feed_files(as_of=AS_OF).missing_months["health"]
    assert late == (dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1))


def test_duckdb_and_pyspark_give_the_same_indicator_table_for_a_simulated_county(
    county_with_feeds, spark_backend
):
    files = feed_files(as_of=AS_OF)
    snapshot = current_snapshot_dir()
    tables = {}
    for name, backend in (("duckdb", engines.connect("duckdb")), ("spark", spark_backend)):
        inputs = engines.load_inputs(backend, snapshot_dir=snapshot, feeds=files)
        tables[name] = engines.to_arrow(indicator_table(inputs, as_of=AS_OF)).sort_by("household_id")
    duck, spark = tables["duckdb"], tables["spark"]
    assert duck.num_rows == 2_000
    assert duck.schema == spark.schema
    for name in duck.column_names:
        assert duck[name].equals(spark[name]), name
    # The county exercises the indicators: a table of nulls and zeros would be equal too.
    for name in ("income_pc_change_yoy", "medical_oop_max_stay", "job_loss_or_unpaid_wages", "labour_count"):
        assert pc.count(duck[name]).as_py() > 1_000, name
    for name in ("relief_newly_granted", "earner_died_or_injured", "housing_unsafe", "has_disabled_member"):
        assert pc.sum(duck[name]).as_py() > 0, name
    assert set(REGISTRY) <= set(duck.column_names)


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="Unknown engine 'postgres'"):
        engines.connect("postgres")
