"""Background entry points for feeds: they call services and nothing else."""

from django_tasks import task

from fangpin.feeds.services import feed_batch_run


@task()
def feed_batch_run_task(batch_id: int) -> None:
    feed_batch_run(batch_id=batch_id)
