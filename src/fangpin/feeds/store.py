"""The analytical store of department feeds: Parquet files partitioned by source and period.

`<PARQUET_DIR>/feeds/source=<source>/period=<YYYYMM>/batch-<id>.parquet`. A file belongs to a batch, and
only batches marked done count (screening reads the done batches' files), so a failed import's files are
removed and a killed one's are ignored until the clean-up.
"""

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings


def feeds_root() -> Path:
    return settings.PARQUET_DIR / "feeds"


class BatchWriter:
    """Streams one batch's rows into one file per period."""

    def __init__(self, *, source: str, batch_id: int, period_column: str) -> None:
        self.source = source
        self.batch_id = batch_id
        self.period_column = period_column
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.paths: list[Path] = []

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        # Sort once by period, then write each period's run as a slice (no filter pass per period).
        periods = pc.strftime(table[self.period_column].cast(pa.timestamp("s")), format="%Y%m")
        order = pc.sort_indices(periods)
        table, periods = table.take(order), periods.take(order)
        start = 0
        for period, length in _runs(periods):
            self._writer_for(period, table.schema).write_table(table.slice(start, length))
            start += length

    def _writer_for(self, period: str, schema: pa.Schema) -> pq.ParquetWriter:
        if period not in self._writers:
            folder = feeds_root() / f"source={self.source}" / f"period={period}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"batch-{self.batch_id}.parquet"
            self.paths.append(path)
            self._writers[period] = pq.ParquetWriter(path, schema, compression="zstd")
        return self._writers[period]

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def discard(self) -> None:
        self.close()
        for path in self.paths:
            path.unlink(missing_ok=True)


def batch_files(*, source: str, batch_id: int) -> list[Path]:
    return sorted((feeds_root() / f"source={source}").glob(f"period=*/batch-{batch_id}.parquet"))


def remove_batch_files(*, source: str, batch_id: int) -> None:
    for path in batch_files(source=source, batch_id=batch_id):
        path.unlink(missing_ok=True)


def clear_store() -> None:
    shutil.rmtree(feeds_root(), ignore_errors=True)


def _runs(sorted_values: pa.Array) -> list[tuple[str, int]]:
    """(value, length) of each run of equal values in a sorted array."""
    counts = pc.value_counts(sorted_values)
    return sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True))
