"""Background entry points for cases: they call services and nothing else."""

from django_tasks import task

from fangpin.cases.deadlines import case_deadlines_refresh


@task()
def case_deadlines_refresh_task() -> None:
    """Daily: colour open cases orange or red so overdue ones reach the next level's queue."""
    case_deadlines_refresh()
