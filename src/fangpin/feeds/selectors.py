"""Reads of feed batches and schemas: a department officer sees their own department's, the county bureau all."""

from django.db.models import Q, QuerySet

from fangpin.accounts.roles import Role
from fangpin.core.errors import NotFound
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, FeedSchema, RowStatus
from fangpin.registry.selectors import members_visible_to


def batches_visible_to(actor) -> QuerySet[FeedBatch]:
    batches = FeedBatch.objects.select_related("schema", "uploaded_by")
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return batches.none()
    role = Role(actor.role)
    if role == Role.COUNTY:
        return batches
    if role == Role.DEPARTMENT and actor.department:
        # Their own, and those imported for every office that sends a schema (the demo and `fangpin import
        # --department 卫健/医保` name the schema's department).
        mine = actor.department
        return batches.filter(
            Q(department=mine)
            | Q(department__startswith=f"{mine}/")
            | Q(department__endswith=f"/{mine}")
            | Q(department__contains=f"/{mine}/")
        )
    return batches.none()


def department_sends(department: str, schema_department: str) -> bool:
    """Whether an office sends a schema's data: the schema names every office that does, "卫健/医保"."""
    return bool(department) and department in schema_department.split("/")


def schemas_importable_by(actor) -> list[FeedSchema]:
    """The latest active version of each source the actor may import: a department officer their own
    department's (DESIGN §1), the county bureau every one; none for anybody else."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    role = Role(actor.role)
    if role not in (Role.COUNTY, Role.DEPARTMENT):
        return []
    latest: dict[str, FeedSchema] = {}
    for schema in FeedSchema.objects.filter(is_active=True).order_by("source", "-version"):
        latest.setdefault(schema.source, schema)
    return [
        schema
        for schema in latest.values()
        if role == Role.COUNTY
        or department_sends(actor.department, str(schema.definition.get("department", "")))
    ]


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
