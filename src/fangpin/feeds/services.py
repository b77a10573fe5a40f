"""Importing a department file: read, validate, match, store — every row kept somewhere.

Valid rows (matched, ambiguous or unmatched) go to the Parquet store with their match; invalid and ambiguous
rows are also kept in the database for the officer. A batch counts only once it is marked done: a failure
removes what it wrote, and a re-upload of the same content is a no-op that says so.
"""

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role, can_import_feeds, can_resolve_matches
from fangpin.alerts.push import alerts_from_feed_batch
from fangpin.audit.services import audit_record
from fangpin.core.bulk import bulk_insert
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.feeds import store
from fangpin.feeds.exports import invalid_rows_workbook
from fangpin.feeds.matching import MatchStatus, MemberIndex, match_rows, village_codes_by_name
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, FeedSchema, HeaderMapping, RowStatus
from fangpin.feeds.readers import FileUnreadable, open_table
from fangpin.feeds.schema import FeedSchemaDef, default_schemas, load_schema
from fangpin.feeds.selectors import batch_get, department_sends
from fangpin.feeds.uploads import stored_digest
from fangpin.feeds.validate import HeaderMapping as HeaderMap
from fangpin.feeds.validate import map_headers, validate_batch
from fangpin.registry.selectors import members_visible_to
from fangpin.screening.quality.tasks import quality_after_import_task

log = logging.getLogger(__name__)

# Identity columns stay in the database; the analytical store keeps the keyed hash and the match instead.
PII_ROLES = ("id_number", "name")


def feed_schemas_install_defaults() -> int:
    """Add the shipped schema versions the database does not have yet (run after every migrate)."""
    added = 0
    for schema in default_schemas():
        _row, created = FeedSchema.objects.get_or_create(
            source=schema.source,
            version=schema.version,
            defaults={"definition": schema.model_dump(mode="json")},
        )
        added += created
    return added


def feed_schema_active(*, source: str) -> tuple[FeedSchema, FeedSchemaDef]:
    row = FeedSchema.objects.filter(source=source, is_active=True).order_by("-version").first()
    if row is None:
        known = ", ".join(sorted(set(FeedSchema.objects.values_list("source", flat=True))))
        raise ValidationError(
            _("There is no schema for %(source)s. Known sources: %(known)s.")
            % {"source": source, "known": known},
            field="source",
        )
    return row, load_schema(row.definition)


class HeadersNotMapped(ValidationError):
    """Headers that do not settle the schema's columns (required ones missing, or two headers for one
    column): the officer maps them, and the mapping is remembered for the department."""

    def __init__(self, mapping: HeaderMap) -> None:
        problems = []
        if mapping.missing_required:
            problems.append(
                _("These columns were not found: %(c)s.") % {"c": ", ".join(mapping.missing_required)}
            )
        if mapping.conflicting_headers:
            problems.append(
                _("These headers name the same column: %(h)s.")
                % {"h": ", ".join(mapping.conflicting_headers)}
            )
        if mapping.unknown_headers:
            problems.append(
                _("Headers fangpin does not know: %(h)s.") % {"h": ", ".join(mapping.unknown_headers)}
            )
        super().__init__(" ".join(problems), field="file")
        self.mapping = mapping


@dataclass(frozen=True)
class ImportResult:
    batch: FeedBatch
    is_duplicate: bool = False


def _sha256(path: Path) -> str:
    """The file's content hash; an upload is stored under its hash, so that is not computed twice."""
    stored = stored_digest(path)
    if stored is not None:
        return stored
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _department_of(actor, department: str | None) -> str:
    role = Role(actor.role) if hasattr(actor, "role") else None
    if role == Role.DEPARTMENT:
        return actor.department
    if (role is not None and can_import_feeds(role)) or (role is None and department is not None):
        return department or ""
    raise PermissionDenied(_("Only department data officers and the county bureau import department data."))


def _check_sender(actor, schema: FeedSchemaDef) -> None:
    """A department officer imports their own department's data (DESIGN §1): a 卫健 officer does not send
    公安's deaths, which would raise alerts. The county bureau imports any."""
    if getattr(actor, "role", None) == Role.DEPARTMENT and not department_sends(
        actor.department, schema.department
    ):
        raise PermissionDenied(
            _("%(source)s data comes from %(department)s; you import your own department's data only.")
            % {"source": schema.source, "department": schema.department}
        )


def feed_batch_prepare(
    *, actor, source: str, path: Path, file_name: str | None = None, department: str | None = None
) -> ImportResult:
    """Check a file before importing it: a known source, not imported before, readable, every required
    column found. Creates the queued batch; raises ValidationError (HeadersNotMapped for unknown headers)
    with nothing saved."""
    department = _department_of(actor, department)
    schema_row, schema = feed_schema_active(source=source)
    _check_sender(actor, schema)
    digest = _sha256(path)
    previous = FeedBatch.objects.filter(
        schema__source=source, file_sha256=digest, status=BatchStatus.DONE
    ).first()
    if previous is not None:
        audit_record(actor=actor, action="feed.reupload", obj=previous, data={"file": file_name or path.name})
        return ImportResult(batch=previous, is_duplicate=True)
    try:
        raw = open_table(path)
    except FileUnreadable as e:
        raise ValidationError(str(e), field="file") from None
    mapping = map_headers(raw.headers, schema, _remembered(department, schema_row))
    if not mapping.is_complete:
        raise HeadersNotMapped(mapping)
    with transaction.atomic():
        batch = FeedBatch.objects.create(
            schema=schema_row,
            department=department,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            file_name=file_name or path.name,
            file_sha256=digest,
            file_path=str(path),
        )
        audit_record(
            actor=actor, action="feed.upload", obj=batch, data={"source": source, "file": batch.file_name}
        )
    return ImportResult(batch=batch)


def _remembered(department: str, schema_row: FeedSchema) -> dict[str, str]:
    return dict(
        HeaderMapping.objects.filter(department=department, schema=schema_row).values_list(
            "file_header", "column"
        )
    )


def feed_batch_run(
    *, batch_id: int, progress: Callable[[int], None] | None = None, today: dt.date | None = None
) -> FeedBatch:
    """Validate, match and store the rows of a prepared batch (in a background task for large files).
    All or nothing: a failure removes what the batch wrote and marks it failed with the reason."""
    batch = FeedBatch.objects.select_related("schema").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return batch
    schema = load_schema(batch.schema.definition)
    FeedRow.objects.filter(batch=batch).delete()  # leftovers of a killed earlier attempt
    store.remove_batch_files(source=schema.source, batch_id=batch.pk)
    FeedBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, rows_total=0)
    writer = store.BatchWriter(source=schema.source, batch_id=batch.pk, period_column=schema.period_column)
    try:
        raw = open_table(Path(batch.file_path))
        mapping = map_headers(raw.headers, schema, _remembered(batch.department, batch.schema))
        counts = _import_rows(
            batch=batch,
            raw=raw,
            schema=schema,
            mapping=mapping,
            writer=writer,
            today=today or timezone.localdate(),
            progress=progress,
        )
        writer.close()
    except BaseException as e:
        writer.discard()
        FeedRow.objects.filter(batch=batch).delete()
        FeedBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, message=str(e)[:2000], finished_at=timezone.now()
        )
        log.exception("feed batch %s failed", batch.pk)
        raise
    with transaction.atomic():
        for name, value in counts.items():
            setattr(batch, name, value)
        batch.status = BatchStatus.DONE
        batch.finished_at = timezone.now()
        batch.save()
        audit_record(
            actor=batch.uploaded_by or "system",
            action="feed.import",
            obj=batch,
            data={"source": schema.source, "file": batch.file_name, **{k: str(v) for k, v in counts.items()}},
        )
    log.info("feed batch %s imported: %s", batch.pk, counts)
    # Push events (a death reported by 公安) reach the village queue now, not at the month's screening.
    alerts_from_feed_batch(actor=batch.uploaded_by or "system", batch_id=batch.pk)
    transaction.on_commit(
        lambda: quality_after_import_task.enqueue(batch.pk)
    )  # data-quality checks after imports
    return batch


def feed_import(
    *,
    actor,
    source: str,
    path: Path,
    file_name: str | None = None,
    department: str | None = None,
    progress: Callable[[int], None] | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Prepare and run in one go (the CLI, tests and small uploads)."""
    prepared = feed_batch_prepare(
        actor=actor, source=source, path=path, file_name=file_name, department=department
    )
    if prepared.is_duplicate:
        return prepared
    return ImportResult(batch=feed_batch_run(batch_id=prepared.batch.pk, progress=progress, today=today))


def _import_rows(
    *,
    batch: FeedBatch,
    raw,
    schema: FeedSchemaDef,
    mapping: HeaderMap,
    writer: store.BatchWriter,
    today: dt.date,
    progress,
) -> dict:
    members = MemberIndex()
    villages = village_codes_by_name()
    identity = schema.match.columns()
    counts = {
        "rows_total": 0,
        "rows_valid": 0,
        "rows_invalid": 0,
        "rows_matched": 0,
        "rows_ambiguous": 0,
        "rows_unmatched": 0,
    }
    periods: list[dt.date] = []
    for chunk in raw.batches():
        checked = validate_batch(chunk, schema, mapping, today=today)
        valid = checked.valid
        matches = match_rows(valid, members, identity=identity, village_codes=villages)
        pii = [identity[r] for r in PII_ROLES if r in identity]
        stored = valid.drop_columns([c for c in [*pii, "village_code"] if c in valid.column_names])
        for column in matches.column_names[1:]:
            stored = stored.append_column(column, matches[column])
        stored = stored.append_column("batch_id", pa.repeat(pa.scalar(batch.pk, pa.int64()), stored.num_rows))
        writer.write(stored)
        _keep_rows(batch, invalid=checked.invalid, valid=valid, matches=matches)
        status = matches["match_status"]
        counts["rows_total"] += chunk.num_rows
        counts["rows_valid"] += valid.num_rows
        counts["rows_invalid"] += (
            pc.count_distinct(checked.invalid["_row"]).as_py() if checked.invalid.num_rows else 0
        )
        counts["rows_matched"] += (
            pc.sum(pc.is_in(status, pa.array([MatchStatus.EXACT, MatchStatus.FUZZY]))).as_py() or 0
        )
        counts["rows_ambiguous"] += pc.sum(pc.equal(status, MatchStatus.AMBIGUOUS)).as_py() or 0
        counts["rows_unmatched"] += pc.sum(pc.equal(status, MatchStatus.UNMATCHED)).as_py() or 0
        if valid.num_rows:
            bounds = pc.min_max(valid[schema.period_column])
            periods += [bounds["min"].as_py(), bounds["max"].as_py()]
        FeedBatch.objects.filter(pk=batch.pk).update(rows_total=counts["rows_total"])
        if progress:
            progress(chunk.num_rows)
    if periods:
        counts["period_start"], counts["period_end"] = _month(min(periods)), _month(max(periods))
    return counts


def _month(value) -> dt.date:
    value = value.date() if isinstance(value, dt.datetime) else value
    return value.replace(day=1)


def _keep_rows(batch: FeedBatch, *, invalid: pa.Table, valid: pa.Table, matches: pa.Table) -> None:
    """Invalid rows (their problems) and ambiguous rows (their candidates) go to the database."""
    if invalid.num_rows:
        bulk_insert(
            FeedRow,
            pa.table(
                {
                    "batch_id": pa.array([batch.pk] * invalid.num_rows, pa.int64()),
                    "row_number": invalid["_row"],
                    "status": pa.array([RowStatus.INVALID] * invalid.num_rows, pa.string()),
                    "column": invalid["column"],
                    "code": invalid["code"],
                    "message": invalid["message"],
                    "raw": invalid["raw"],
                    "candidates": pa.array(["[]"] * invalid.num_rows, pa.string()),
                }
            ),
        )
    ambiguous = pc.equal(matches["match_status"], MatchStatus.AMBIGUOUS)
    if pc.any(ambiguous).as_py():
        rows = valid.filter(ambiguous)
        cands = matches.filter(ambiguous)
        raw = [
            json.dumps(
                {k: "" if v is None else str(v) for k, v in r.items() if not k.startswith("_")},
                ensure_ascii=False,
            )
            for r in rows.to_pylist()
        ]
        bulk_insert(
            FeedRow,
            pa.table(
                {
                    "batch_id": pa.array([batch.pk] * rows.num_rows, pa.int64()),
                    "row_number": rows["_row"],
                    "status": pa.array([RowStatus.AMBIGUOUS] * rows.num_rows, pa.string()),
                    "column": pa.array([""] * rows.num_rows, pa.string()),
                    "code": pa.array(["ambiguous_match"] * rows.num_rows, pa.string()),
                    "message": pa.array(
                        [_("More than one member matches this row.")] * rows.num_rows, pa.string()
                    ),
                    "raw": pa.array(raw, pa.string()),
                    "candidates": pa.array(
                        [json.dumps(c) for c in cands["candidates"].to_pylist()], pa.string()
                    ),
                }
            ),
        )


def header_mapping_remember(*, actor, source: str, mappings: Mapping[str, str]) -> int:
    """Remember the officer's mapping of unknown headers to schema columns for their department."""
    department = _department_of(actor, None)
    schema_row, schema = feed_schema_active(source=source)
    known = {c.name for c in schema.columns} | {""}  # "" : ignore this header
    for header, column in mappings.items():
        if column not in known:
            raise ValidationError(
                _("%(column)s is not a column of this schema.") % {"column": column}, field=header
            )
    with transaction.atomic():
        for header, column in mappings.items():
            HeaderMapping.objects.update_or_create(
                department=department, schema=schema_row, file_header=header, defaults={"column": column}
            )
        audit_record(
            actor=actor,
            action="feed.mapping",
            object_type="feeds.feedschema",
            object_id=str(schema_row.pk),
            data=dict(mappings),
        )
    return len(mappings)


@transaction.atomic
def feed_row_resolve(*, actor, row_id: int, member_id: int | None) -> FeedRow:
    """A township officer settles an ambiguous row: one of its candidates, or none of them (member_id None)."""
    if not can_resolve_matches(Role(actor.role)):
        raise PermissionDenied(_("Township officers and the county bureau decide ambiguous matches."))
    row = FeedRow.objects.select_for_update().filter(pk=row_id, status=RowStatus.AMBIGUOUS).first()
    candidates = members_visible_to(actor).filter(pk__in=row.candidates if row else [])
    if row is None or not candidates.exists():
        raise NotFound(_("No such row waiting for a decision."))
    if member_id is not None and not candidates.filter(pk=member_id).exists():
        raise ValidationError(_("Choose one of the candidate members."), field="member")
    row.status = RowStatus.RESOLVED
    row.resolved_member_id = member_id
    row.save(update_fields=["status", "resolved_member"])
    audit_record(actor=actor, action="feed.resolve", obj=row, data={"member": member_id})
    return row


def feed_invalid_rows_export(*, actor, batch_id: int) -> tuple[FeedBatch, bytes]:
    """The invalid rows of a batch as an Excel file to fix and upload again. It carries full ID numbers as
    sent, so it is a read of personal data, and audited."""
    batch = batch_get(actor=actor, batch_id=batch_id)
    workbook = invalid_rows_workbook(batch)
    audit_record(actor=actor, action="feed.invalid_rows.export", obj=batch, data={"rows": batch.rows_invalid})
    return batch, workbook
