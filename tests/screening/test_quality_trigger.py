"""The data-quality check runs again after imports: once for a county's burst of files, not once per file."""

import pytest

from fangpin.feeds.models import BatchStatus, FeedBatch
from fangpin.screening.models import QualityRun, QualityTrigger
from fangpin.screening.quality.tasks import quality_after_import_task
from tests.screening.test_services import screened_county  # noqa: F401  (a fixture)


@pytest.mark.django_db
def test_an_import_triggers_one_check_and_the_files_imported_before_it_add_none(screened_county):  # noqa: F811
    first, *others = FeedBatch.objects.filter(status=BatchStatus.DONE).order_by("pk")
    run_id = quality_after_import_task.call(first.pk)
    assert QualityRun.objects.get(pk=run_id).trigger == QualityTrigger.IMPORT
    assert [quality_after_import_task.call(b.pk) for b in others] == [None] * len(others)
    assert QualityRun.objects.count() == 1
