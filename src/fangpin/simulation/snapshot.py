"""The Parquet snapshot of a simulated county: one folder per snapshot, one file per table.

Personal data (names, ID numbers, addresses) never enters the analytical store: screening and analytics work
on household and member ids. Files carry no timestamps, so the same seed gives byte-for-byte equal content.
"""

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Columns that stay in the OLTP registry only.
PII_COLUMNS = {"households": {"address"}, "members": {"name", "name_initials", "id_number"}}
TABLES = ("households", "members", "incomes", "shocks", "ground_truth")


class SnapshotWriter:
    """Streams chunks into `<root>/<snapshot_id>/<table>.parquet`, replacing an older snapshot of that id."""

    def __init__(self, root: Path, snapshot_id: str) -> None:
        self.path = root / snapshot_id
        self._tmp = root / f".{snapshot_id}.partial"
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp.mkdir(parents=True)
        self._writers: dict[str, pq.ParquetWriter] = {}

    def write(self, name: str, table: pa.Table) -> None:
        drop = [c for c in PII_COLUMNS.get(name, ()) if c in table.column_names]
        table = table.drop_columns(drop)
        if name not in self._writers:
            self._writers[name] = pq.ParquetWriter(
                self._tmp / f"{name}.parquet", table.schema, compression="zstd"
            )
        self._writers[name].write_table(table)

    def close(self, manifest: dict) -> Path:
        """Finish the files and move the snapshot into place in one rename, so readers never see half of one."""
        for writer in self._writers.values():
            writer.close()
        (self._tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
        )
        shutil.rmtree(self.path, ignore_errors=True)
        self._tmp.rename(self.path)
        (self.path.parent / "CURRENT").write_text(self.path.name)
        return self.path

    def abort(self) -> None:
        for writer in self._writers.values():
            writer.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
