"""Department push events (部门推送): rows of a department's file that put a household on the queue at once, such
as a death reported by 公安, instead of waiting for the month's screening run.

Which rows count is configuration (PUSH_EVENTS, by feed source), read from the batch's rows in the Parquet store.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import transaction

from fangpin.alerts.models import AlertSource
from fangpin.alerts.services import raise_or_reinforce
from fangpin.audit.services import audit_record
from fangpin.feeds import store
from fangpin.feeds.models import FeedBatch
from fangpin.registry.models import Household


@dataclass(frozen=True)
class PushEvent:
    column: str  # a code column of the source's schema
    values: tuple[str, ...]  # its normalised codes that raise an alert
    risk_code: str
    level: str
    explain_zh: str
    explain_en: str


# A death in the household takes away an earner or a carer (因缺劳动力); the cadre visits before the month ends.
PUSH_EVENTS: Mapping[str, tuple[PushEvent, ...]] = {
    "public_security": (
        PushEvent(
            column="event_type",
            values=("死亡",),
            risk_code="04",
            level="red",
            explain_zh="公安部门推送：家庭成员死亡（{date}）",
            explain_en="Reported by public security: a member of the household died ({date})",
        ),
    ),
}


def alerts_from_feed_batch(
    *, actor, batch_id: int, events: Mapping[str, tuple[PushEvent, ...]] = PUSH_EVENTS
) -> int:
    """Raise (or reinforce) one alert per household with a push event in a done batch; the number of households.

    The batch's uploader already passed the import's permission check; the alert is the department's.
    """
    batch = FeedBatch.objects.select_related("schema").get(pk=batch_id)
    rules = events.get(batch.schema.source, ())
    paths = store.batch_files(source=batch.schema.source, batch_id=batch.pk)
    if not rules or not paths:
        return 0
    period = batch.schema.definition.get("period_column")
    table = pa.concat_tables(pq.read_table(p) for p in paths)
    raised: dict[int, list[dict]] = {}
    for rule in rules:
        if rule.column not in table.column_names:
            continue
        hit = table.filter(
            pc.and_(pc.is_in(table[rule.column], pa.array(rule.values)), pc.is_valid(table["household_id"]))
        )
        for row in hit.select(
            ["household_id", *([period] if period in hit.column_names else [])]
        ).to_pylist():
            day = row.get(period)
            raised.setdefault(row["household_id"], []).append(
                {
                    "rule": rule,
                    "date": day.isoformat() if day is not None else "",
                }
            )
    if not raised:
        return 0
    villages = dict(Household.objects.filter(pk__in=list(raised)).values_list("pk", "village_id"))
    with transaction.atomic():
        for household_id, found in raised.items():
            if household_id not in villages:
                continue  # the household has left the registry since the file was matched
            for item in found:
                rule: PushEvent = item["rule"]
                raise_or_reinforce(
                    actor=actor,
                    village_id=villages[household_id],
                    household_id=household_id,
                    risk_code=rule.risk_code,
                    level=rule.level,
                    source=AlertSource.FEED,
                    evidence={
                        "push": {"source": batch.schema.source, "batch": batch.pk, "date": item["date"]},
                        "sources": {batch.schema.source: [batch.pk]},
                        "explain": {
                            "zh": rule.explain_zh.format(date=item["date"]),
                            "en": rule.explain_en.format(date=item["date"]),
                        },
                    },
                    limit_key="alert_first_visit",
                )
        audit_record(
            actor=actor,
            action="alert.push",
            obj=batch,
            data={"source": batch.schema.source, "households": len(raised)},
        )
    return len(raised)
