"""The analytical store of department feeds: Parquet files partitioned by source and period.

`<PARQUET_DIR>/feeds/source=<source>/period=<YYYYMM>/batch-<id>.parquet`. A file belongs to a batch, and
only batches marked done count (screening reads the done batches' files), so a failed import's files are
removed and a killed one's are ignored until the clean-up.
"""

import contextlib
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

# Columns never worth a dictionary or min/max statistics: keyed hashes are (nearly) all distinct and never
# filtered by range, so both only cost time.
HASH_COLUMNS = frozenset({"id_hash"})


def _write_options(schema: pa.Schema) -> dict:
    """zstd (level 1: most of the size gain for a fraction of the time), dictionaries for text columns, whose
    values repeat (hospitals, codes, statuses), and statistics for all but the hashes."""
    text = [f.name for f in schema if pa.types.is_string(f.type) and f.name not in HASH_COLUMNS]
    return {
        "compression": "zstd",
        "compression_level": 1,
        "use_dictionary": text,
        "write_statistics": [name for name in schema.names if name not in HASH_COLUMNS],
    }


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
        # Sort once by period (a month number), then write each period's run as a slice.
        days = table[self.period_column].combine_chunks().cast(pa.date32())
        months = days.to_numpy(zero_copy_only=False).astype("datetime64[D]").astype("datetime64[M]")
        order = np.argsort(months, kind="stable")
        if not np.all(order[1:] > order[:-1]):
            table = table.take(pa.array(order))
        values, starts, lengths = np.unique(months[order], return_index=True, return_counts=True)
        for month, start, length in zip(values, starts, lengths, strict=True):
            # A row without a period (only possible if a schema makes the period column optional) keeps
            # the folder name it always had.
            period = "None" if np.isnat(month) else np.datetime_as_string(month, unit="M").replace("-", "")
            self._writer_for(period, table.schema).write_table(table.slice(int(start), int(length)))

    def _writer_for(self, period: str, schema: pa.Schema) -> pq.ParquetWriter:
        if period not in self._writers:
            folder = feeds_root() / f"source={self.source}" / f"period={period}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"batch-{self.batch_id}.parquet"
            self.paths.append(path)
            self._writers[period] = pq.ParquetWriter(path, schema, **_write_options(schema))
        return self._writers[period]

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def discard(self) -> None:
        """Close and remove every file written, whatever went wrong (the caller reports why)."""
        with contextlib.suppress(Exception):
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
