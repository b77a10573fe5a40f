"""Reads of feed batches: a department officer sees their own department's batches, the county bureau all."""

from django.db.models import QuerySet

from fangpin.accounts.roles import Role
from fangpin.core.errors import NotFound
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, RowStatus
from fangpin.registry.selectors import members_visible_to


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


def ambiguous_rows_visible_to(actor) -> QuerySet[FeedRow]:
    """Ambiguous rows of done batches with a candidate inside the actor's jurisdiction: a township officer's
    queue. (Candidates are member ids, so the scope test goes through the members the actor may see.)"""
    pending = list(
        FeedRow.objects.filter(status=RowStatus.AMBIGUOUS, batch__status=BatchStatus.DONE).values_list(
            "pk", "candidates"
        )
    )
    candidates = {pk for _row, members in pending for pk in members}
    visible = set(members_visible_to(actor).filter(pk__in=candidates).values_list("pk", flat=True))
    mine = [row for row, members in pending if visible.intersection(members)]
    return FeedRow.objects.filter(pk__in=mine).select_related("batch").order_by("batch_id", "row_number")
