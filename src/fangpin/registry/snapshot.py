"""The registry's Parquet snapshot, where screening and analytics read: one folder per snapshot, one file per table.

Written by the simulator (with its ground truth) or from the OLTP registry (`registry_snapshot_write`). Personal
data (names, ID numbers, addresses) never enters it: screening and analytics work on household and member ids.
"""

import json
import logging
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from fangpin.audit.services import audit_record
from fangpin.registry.models import Household, IncomeRecord, Member
from fangpin.registry.selectors import SOURCE_PRIORITY

log = logging.getLogger(__name__)

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


def snapshots_root() -> Path:
    return settings.PARQUET_DIR / "snapshots"


def current_snapshot_dir(root: Path | None = None) -> Path | None:
    """The snapshot screening reads: the one named in `CURRENT`, or None before the first snapshot."""
    root = root or snapshots_root()
    marker = root / "CURRENT"
    if not marker.exists():
        return None
    path = root / marker.read_text().strip()
    return path if path.is_dir() else None


HOUSEHOLD_FIELDS = {
    "household_id": ("id", pa.int64()),
    "number": ("number", pa.string()),
    "village_code": ("village_id", pa.string()),
    "status": ("status", pa.string()),
    "category_code": ("category__code", pa.string()),
    "risk_codes": ("risk_codes", pa.list_(pa.string())),
    "identified_on": ("identified_on", pa.date32()),
    "eliminated_on": ("eliminated_on", pa.date32()),
    "elimination_method": ("elimination_method", pa.string()),
    "is_formerly_poor": ("is_formerly_poor", pa.bool_()),
    "poverty_exit_year": ("poverty_exit_year", pa.int16()),
    "housing_grade": ("housing_grade", pa.string()),
    "has_safe_water": ("has_safe_water", pa.bool_()),
}
MEMBER_FIELDS = {
    "member_id": ("id", pa.int64()),
    "household_id": ("household_id", pa.int64()),
    "relation": ("relation", pa.string()),
    "sex": ("sex", pa.string()),
    "birth_date": ("birth_date", pa.date32()),
    "education": ("education", pa.string()),
    "school_status": ("school_status", pa.string()),
    "health": ("health", pa.string()),
    "disability_grade": ("disability_grade", pa.int8()),
    "labour_skill": ("labour_skill", pa.string()),
    "medical_insurance": ("medical_insurance", pa.string()),
    "months_employed": ("months_employed", pa.int8()),
    "is_resident": ("is_resident", pa.bool_()),
}
INCOME_AMOUNTS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "production_cost",
    "medical_self_paid",
    "schooling_self_paid",
    "claims_income",
)
CHUNK = 50_000


def registry_snapshot_write(*, actor, root: Path | None = None) -> Path:
    """Write the OLTP registry as a new current snapshot (households, members, one income row per month).

    Rows stream from the database in chunks, so memory stays flat whatever the county's size. Where a month has
    income from several sources, the same priority as everywhere else decides (registry.selectors).
    """
    root = root or snapshots_root()
    snapshot_id = "registry-" + timezone.now().strftime("%Y%m%dT%H%M%S")
    writer = SnapshotWriter(root, snapshot_id)
    counts: dict[str, int] = {}
    try:
        households = Household.objects.order_by("id").values_list(*(f for f, _ in HOUSEHOLD_FIELDS.values()))
        counts["households"] = _write(writer, "households", households, HOUSEHOLD_FIELDS)
        members = Member.objects.order_by("id").values_list(*(f for f, _ in MEMBER_FIELDS.values()))
        counts["members"] = _write(writer, "members", members, MEMBER_FIELDS)
        counts["incomes"] = _write_incomes(writer)
    except BaseException:
        writer.abort()
        raise
    path = writer.close({"snapshot": snapshot_id, "source": "registry", "taken_at": timezone.now(), **counts})
    audit_record(
        actor=actor, action="registry.snapshot", object_type="snapshot", object_id=snapshot_id, data=counts
    )
    log.info("registry snapshot %s: %s", snapshot_id, counts)
    return path


def _write(writer: "SnapshotWriter", name: str, rows, fields: dict[str, tuple[str, pa.DataType]]) -> int:
    total = 0
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK)):
        writer.write(name, _table(chunk, fields))
        total += len(chunk)
    if total == 0:
        writer.write(name, _table([], fields))
    return total


def _write_incomes(writer: "SnapshotWriter") -> int:
    # Sorted so that, within a household and month, the preferred source comes first; the first row is kept.
    priority = Case(
        *(When(source=source, then=Value(i)) for i, source in enumerate(SOURCE_PRIORITY)),
        default=Value(len(SOURCE_PRIORITY)),
        output_field=IntegerField(),
    )
    rows = (
        IncomeRecord.objects.annotate(priority=priority)
        .order_by("household_id", "period", "priority")
        .values_list("household_id", "period", *INCOME_AMOUNTS)
    )
    fields = {"household_id": ("", pa.int64()), "period": ("", pa.date32())} | {
        amount: ("", MONEY) for amount in INCOME_AMOUNTS
    }
    total = 0
    previous: tuple | None = None  # the last key of the chunk before: a month may straddle two chunks
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK)):
        table = _table(chunk, fields)
        ids, periods = table["household_id"].combine_chunks(), table["period"].combine_chunks()
        head_is_first = (ids[0].as_py(), periods[0].as_py()) != previous
        rest_is_first = pc.or_(pc.not_equal(ids[1:], ids[:-1]), pc.not_equal(periods[1:], periods[:-1]))
        kept = table.filter(pa.concat_arrays([pa.array([head_is_first]), rest_is_first]))
        writer.write("incomes", _as_float(kept))
        total += kept.num_rows
        previous = (ids[-1].as_py(), periods[-1].as_py())
    if total == 0:
        writer.write("incomes", _as_float(_table([], fields)))
    return total


# Money leaves the OLTP store as Decimal; the analytical store keeps it as double, like the simulator's snapshot.
MONEY = pa.decimal128(14, 2)


def _table(rows: Sequence[tuple], fields: dict[str, tuple[str, pa.DataType]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in fields]
    return pa.table(
        {
            name: pa.array(values, typ)
            for (name, (_, typ)), values in zip(fields.items(), columns, strict=True)
        }
    )


def _as_float(table: pa.Table) -> pa.Table:
    return table.cast(
        pa.schema(pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema)
    )


def _chunks(rows: Iterator[tuple]) -> Iterator[Sequence[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
