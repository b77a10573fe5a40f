"""Writing to and verifying the audit log."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from fangpin.audit.chain import GENESIS, event_hash
from fangpin.audit.models import AuditChainHead, AuditEvent


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON now so the hash covers exactly what the database will give back.
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the write it records, so both land or neither."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    actor_username = getattr(actor, "username", "") if actor_id else (actor if isinstance(actor, str) else "")
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        fields = {
            "created_at": timezone.now(),
            "actor_id": actor_id,
            "actor_username": actor_username,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "data": _jsonable(data or {}),
        }
        digest = event_hash(prev_hash=head.last_hash, **fields)
        event = AuditEvent.objects.create(prev_hash=head.last_hash, hash=digest, **fields)
        head.last_hash = digest
        head.save(update_fields=["last_hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def audit_verify(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Walk the chain in order; the first event whose link or content does not match is reported."""
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
    prev = GENESIS
    checked = 0
    for event in events:
        if event.prev_hash != prev:
            return ChainReport(
                checked,
                event.id,
                "its previous-hash does not match the event before it (an event was deleted or inserted)",
            )
        expected = event_hash(
            prev_hash=event.prev_hash,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_username=event.actor_username,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
        )
        if expected != event.hash:
            return ChainReport(checked, event.id, "its content does not match its hash (the row was edited)")
        prev = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return ChainReport(
            checked, None, "the newest events are missing: the chain head points past the last one"
        )
    return ChainReport(checked)
