"""Background entry points for screening: they call services and nothing else."""

from django_tasks import task

from fangpin.screening.services import screening_execute


@task()
def screening_run_task(run_id: int) -> None:
    screening_execute(run_id=run_id)
