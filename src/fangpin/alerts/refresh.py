"""The screening run's write-back: its hits become open alerts, or refresh the open alert they already have.

Set-based for a county of 1,000,000 households: one read of the open alerts, bulk inserts, and one bulk update
(an UPDATE … FROM jsonb_to_recordset on PostgreSQL, executemany on SQLite); never a query per hit.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.alerts.checks import check_level, check_risk_code, higher_level
from fangpin.alerts.models import OPEN_STATUSES, Alert, AlertSource, AlertStatus
from fangpin.audit.services import audit_record
from fangpin.core import clock
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.monitoring.selectors import due_date
from fangpin.screening.models import ScreeningRun

_BATCH = 20_000  # rows per statement: arrays of this size keep PostgreSQL's statements and memory modest


# A run's hits as the engine hands them over: one row per household and risk type, evidence as JSON text
# (screening/hits.py builds them and documents the evidence). Arrow, not objects: 100,000 rows a run.
HIT_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("village_code", pa.string()),
        ("risk_code", pa.string()),
        ("level", pa.string()),
        ("evidence", pa.string()),
    ]
)


@dataclass(frozen=True)
class RefreshResult:
    created: int
    refreshed: int


def _check_actor(actor) -> None:
    # The run's task calls this as the county user who asked for the run, or as the system (a name or None).
    if actor is None or isinstance(actor, str):
        return
    if Role(actor.role) != Role.COUNTY:
        raise PermissionDenied(_("Only the county bureau writes screening results to the alert queue."))


def _check_hits(hits: pa.Table) -> None:
    """Refuse the whole table when a row is wrong: levels, village codes, risk types, one row per pair."""
    if not hits.schema.equals(HIT_SCHEMA):
        raise ValidationError(
            _("Screening hits must have the columns %(columns)s.") % {"columns": HIT_SCHEMA.names}
        )
    for level in pc.unique(hits["level"]).to_pylist():
        check_level(level)
    village = hits["village_code"]
    bad = pc.invert(pc.and_(pc.equal(pc.utf8_length(village), 12), pc.utf8_is_decimal(village)))
    bad = pc.fill_null(bad, True)
    if pc.any(bad).as_py():
        first = hits.filter(bad)["household_id"][0].as_py()
        raise ValidationError(
            _("Household %(id)s has no valid village code.") % {"id": first}, field="village_code"
        )
    for code in pc.unique(hits["risk_code"]).to_pylist():
        check_risk_code(code)
    pairs = hits.group_by(["household_id", "risk_code"]).aggregate([("household_id", "count")])
    if pairs.num_rows != hits.num_rows:
        raise ValidationError(_("Screening hits name a household and risk type more than once."))


def alerts_refresh_from_screening(*, actor, run_id: int, hits: pa.Table, as_of: date) -> RefreshResult:
    """Write a run's hits to the queue in one transaction: new (household, risk) pairs become open alerts,
    pairs with an open alert refresh its evidence, level (the higher) and time. Never a duplicate.

    Deadlines count from `as_of`, or from today when `as_of` is past: a visit cannot fall due before the
    alert reaches the village.
    """
    _check_actor(actor)
    _check_hits(hits)
    with transaction.atomic():
        if not ScreeningRun.objects.filter(pk=run_id).exists():
            raise NotFound(_("No such screening run."))
        now = timezone.now()
        due = due_date(start=max(as_of, clock.today()), limit_key="alert_first_visit")
        existing = _open_alerts(risk_codes=set(pc.unique(hits["risk_code"]).to_pylist()))
        new: list[tuple[str, int, str, str, str]] = []
        updates: list[tuple[int, str, str]] = []
        columns = [
            hits[name].to_pylist()
            for name in ("village_code", "household_id", "risk_code", "level", "evidence")
        ]
        for village, household, risk, level, evidence in zip(*columns, strict=True):
            found = existing.get((household, risk))
            if found is None:
                new.append((village, household, risk, level, evidence))
            else:
                alert_id, before = found  # the level never goes down while the alert is open
                updates.append((alert_id, higher_level(before, level), evidence))
        _bulk_insert(new, now=now, run_id=run_id, due=due)
        _bulk_refresh(updates, now=now, run_id=run_id)
        audit_record(
            actor=actor,
            action="alerts.refresh",
            object_type="screening.screeningrun",
            object_id=str(run_id),
            data={
                "hits": hits.num_rows,
                "created": len(new),
                "refreshed": len(updates),
                "as_of": as_of.isoformat(),
                "first_visit_due": due.isoformat(),
            },
        )
    return RefreshResult(created=len(new), refreshed=len(updates))


def _open_alerts(*, risk_codes: set[str]) -> dict[tuple[int, str], tuple[int, str]]:
    """(household, risk) → (alert id, level) of every open alert of these risk types: one indexed read, which
    for a county is far cheaper than 50,000 look-ups or an IN list of 50,000 ids."""
    if not risk_codes:
        return {}
    rows = (
        Alert.objects.filter(status__in=OPEN_STATUSES, household__isnull=False, risk_code__in=risk_codes)
        .values_list("household_id", "risk_code", "id", "level")
        .iterator(chunk_size=20_000)
    )
    return {(household, risk): (pk, level) for household, risk, pk, level in rows}


# On PostgreSQL each chunk travels as ONE JSON document, unpacked by jsonb_to_recordset: one parse on the
# server. (Text arrays would be escaped element by element in Python: 3x slower.) The document is joined from
# the evidence texts as they are; the other fields are checked codes (digits, levels) that need no escaping.
_PG_INSERT = (
    "INSERT INTO {table} ({columns}) "
    "SELECT v.village, v.household, v.risk, v.level, v.evidence, %s, %s, %s, %s, %s, %s, '', '' "
    "FROM jsonb_to_recordset(%s::jsonb) AS v(village varchar, household bigint, risk varchar, level varchar, "
    "evidence jsonb)"
)
# Only alerts still open: a visit may have closed one since the read, and a closed alert keeps its evidence.
_PG_UPDATE = (
    "UPDATE {table} AS a SET evidence = v.evidence, level = v.level, refreshed_at = %s, run_id = %s "
    "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, level varchar, evidence jsonb) "
    "WHERE a.id = v.id AND a.status IN ('open', 'assigned')"
)
_COLUMNS = (
    "village_id, household_id, risk_code, level, evidence, source, status, run_id, raised_at, refreshed_at, "
    "first_visit_due, outcome_note, dismiss_reason"
)


def _bulk_insert(
    rows: list[tuple[str, int, str, str, str]], *, now: datetime, run_id: int, due: date
) -> None:
    """Insert new open rule alerts, (village, household, risk, level, evidence) each. Django's bulk_create
    spends ~0.5 ms a row building and preparing model instances; these statements take the values as they are."""
    if not rows:
        return
    table = connection.ops.quote_name(Alert._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    fixed: list[Any] = [
        AlertSource.RULE.value,
        AlertStatus.OPEN.value,
        run_id,
        stamp,
        stamp,
        connection.ops.adapt_datefield_value(due),
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _BATCH):
            chunk = rows[start : start + _BATCH]
            if connection.vendor == "postgresql":
                records = ",".join(
                    f'{{"village":"{v}","household":{h},"risk":"{r}","level":"{lv}","evidence":{ev}}}'
                    for v, h, r, lv, ev in chunk
                )
                cursor.execute(_PG_INSERT.format(table=table, columns=_COLUMNS), [*fixed, f"[{records}]"])
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '')",
                    [(v, h, r, lv, ev, *fixed) for v, h, r, lv, ev in chunk],
                )


def _bulk_refresh(updates: list[tuple[int, str, str]], *, now: datetime, run_id: int) -> None:
    if not updates:
        return
    table = connection.ops.quote_name(Alert._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for start in range(0, len(updates), _BATCH):
            chunk = updates[start : start + _BATCH]
            if connection.vendor == "postgresql":
                records = ",".join(
                    f'{{"id":{pk},"level":"{level}","evidence":{ev}}}' for pk, level, ev in chunk
                )
                cursor.execute(_PG_UPDATE.format(table=table), [stamp, run_id, f"[{records}]"])
            else:
                cursor.executemany(
                    f"UPDATE {table} SET level = %s, evidence = %s, refreshed_at = %s, run_id = %s "
                    "WHERE id = %s AND status IN ('open', 'assigned')",
                    [(level, ev, stamp, run_id, pk) for pk, level, ev in chunk],
                )
