"""Reads of feed batches: a department officer sees their own department's batches, the county bureau all."""

from django.db.models import QuerySet

from fangpin.accounts.roles import Role
from fangpin.core.errors import NotFound
from fangpin.feeds.models import FeedBatch, FeedRow


def batches_visible_to(actor) -> QuerySet[FeedBatch]:
    batches = FeedBatch.objects.select_related("schema", "uploaded_by")
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return batches.none()
    role = Role(actor.role)
    if role == Role.COUNTY:
        return batches
    if role == Role.DEPARTMENT and actor.department:
        return batches.filter(department=actor.department)
    return batches.none()


def batch_get(*, actor, batch_id: int) -> FeedBatch:
    try:
        return batches_visible_to(actor).get(pk=batch_id)
    except FeedBatch.DoesNotExist:
        raise NotFound("No such batch.") from None


def batch_rows(*, batch: FeedBatch, status: str) -> QuerySet[FeedRow]:
    return batch.rows.filter(status=status).order_by("row_number", "column")
