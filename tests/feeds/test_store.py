"""The analytical store: one Parquet file per period for each batch."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fangpin.feeds import store


@pytest.fixture(autouse=True)
def _store_in(tmp_path, settings):
    settings.PARQUET_DIR = tmp_path


def rows(*days, start=0):
    return pa.table(
        {
            "paid_on": pa.array(days, pa.date32()),
            "id_hash": pa.array([f"{i:064x}" for i in range(start, start + len(days))]),
            "_row": pa.array(range(start, start + len(days)), pa.int64()),
        }
    )


def test_rows_land_in_one_file_per_month_in_their_order():
    writer = store.BatchWriter(source="health", batch_id=7, period_column="paid_on")
    writer.write(rows(dt.date(2026, 10, 3), dt.date(2026, 9, 30), dt.date(2026, 10, 1)))
    writer.write(rows(dt.date(2026, 9, 1), start=3))
    writer.write(rows())
    writer.close()
    files = store.batch_files(source="health", batch_id=7)
    assert [f.parent.name for f in files] == ["period=202609", "period=202610"]
    assert pq.read_table(files[0])["_row"].to_pylist() == [1, 3]
    assert pq.read_table(files[1])["_row"].to_pylist() == [0, 2]
    metadata = pq.ParquetFile(files[1]).metadata.row_group(0)
    stats = {metadata.column(i).path_in_schema: metadata.column(i).is_stats_set for i in range(3)}
    assert stats == {"paid_on": True, "id_hash": False, "_row": True}


def test_a_failed_write_is_raised_and_discarding_removes_every_file_of_the_batch(monkeypatch):
    writer = store.BatchWriter(source="health", batch_id=8, period_column="paid_on")
    writer.write(rows(dt.date(2026, 10, 3)))
    writer.close()  # another batch's file, which stays

    failing = store.BatchWriter(source="health", batch_id=9, period_column="paid_on")
    failing.write(rows(dt.date(2026, 10, 3)))
    monkeypatch.setattr(pq.ParquetWriter, "write_table", lambda self, table: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.write(rows(dt.date(2026, 11, 3)))
    assert len(store.batch_files(source="health", batch_id=9)) == 2
    failing.discard()
    assert store.batch_files(source="health", batch_id=9) == []
    assert len(store.batch_files(source="health", batch_id=8)) == 1
