"""Background entry point of the data-quality checks (monthly, and after every import): calls the service only."""

from django_tasks import task

from fangpin.feeds.models import FeedBatch
from fangpin.screening.models import QualityRun, QualityTrigger
from fangpin.screening.quality.services import quality_run


@task()
def quality_run_task(trigger: str = "monthly") -> int:
    return quality_run(actor="system", trigger=trigger).pk


@task()
def quality_after_import_task(batch_id: int) -> int | None:
    """Check the data again after a department file is imported, unless a check has started since: a county
    importing ten files gets one check, not ten."""
    finished = FeedBatch.objects.filter(pk=batch_id).values_list("finished_at", flat=True).first()
    if finished is None or QualityRun.objects.filter(started_at__gte=finished).exists():
        return None
    return quality_run(actor="system", trigger=QualityTrigger.IMPORT).pk
