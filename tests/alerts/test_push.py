"""A death reported in a 公安 file puts the household on the queue when the file is imported."""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fangpin.alerts.models import Alert, AlertSource
from fangpin.alerts.push import alerts_from_feed_batch
from fangpin.feeds import store
from fangpin.feeds.models import BatchStatus, FeedBatch
from tests.screening.test_services import screened_county  # noqa: F401  (a fixture)


def _deaths(batch: FeedBatch) -> set[int]:
    paths = store.batch_files(source="public_security", batch_id=batch.pk)
    table = pa.concat_tables(pq.read_table(p) for p in paths)
    died = table.filter(pc.and_(pc.equal(table["event_type"], "死亡"), pc.is_valid(table["household_id"])))
    return set(died["household_id"].to_pylist())


@pytest.mark.django_db
def test_importing_a_public_security_file_raises_a_red_alert_for_each_household_with_a_death(
    screened_county,  # noqa: F811
):
    batch = FeedBatch.objects.get(schema__source="public_security", status=BatchStatus.DONE)
    households = _deaths(batch)
    assert households, "the simulated county's 公安 file should report deaths"
    alerts = Alert.objects.filter(source=AlertSource.FEED, risk_code="04")
    assert set(alerts.values_list("household_id", flat=True)) == households
    alert = alerts.first()
    assert alert.level == "red" and alert.evidence["push"]["batch"] == batch.pk
    assert "死亡" in alert.evidence["explain"]["zh"]


@pytest.mark.django_db
def test_the_same_batch_pushed_again_adds_no_second_alert(screened_county):  # noqa: F811
    batch = FeedBatch.objects.get(schema__source="public_security", status=BatchStatus.DONE)
    before = Alert.objects.filter(source=AlertSource.FEED).count()
    alerts_from_feed_batch(actor="test", batch_id=batch.pk)
    assert Alert.objects.filter(source=AlertSource.FEED).count() == before


@pytest.mark.django_db
def test_a_source_without_push_events_raises_nothing(screened_county):  # noqa: F811
    batch = FeedBatch.objects.get(schema__source="health", status=BatchStatus.DONE)
    assert alerts_from_feed_batch(actor="test", batch_id=batch.pk) == 0
