"""The follow-up schedule's date arithmetic: the cut-off the selector gives the database is exact."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fangpin.assistance.schedule import overdue_cutoff
from fangpin.monitoring.models import LimitUnit
from fangpin.monitoring.selectors import Limit, limit_end

limits = st.builds(
    Limit,
    amount=st.integers(min_value=0, max_value=24),
    unit=st.sampled_from([LimitUnit.MONTHS, LimitUnit.DAYS, LimitUnit.WORKING_DAYS]),
)


@given(today=st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2026, 12, 31)), limit=limits)
def test_a_last_visit_is_overdue_exactly_up_to_the_cutoff(today, limit):
    cutoff = overdue_cutoff(today, limit)
    assert limit_end(cutoff, limit) < today
    assert limit_end(cutoff + dt.timedelta(days=1), limit) >= today


def test_a_month_after_the_31st_is_the_end_of_a_shorter_month():
    month = Limit(1, LimitUnit.MONTHS)
    assert limit_end(dt.date(2025, 1, 31), month) == dt.date(2025, 2, 28)
    assert limit_end(dt.date(2024, 1, 31), month) == dt.date(2024, 2, 29)
    assert limit_end(dt.date(2025, 11, 30), Limit(3, LimitUnit.MONTHS)) == dt.date(2026, 2, 28)


def test_working_days_skip_the_national_day_holiday():
    # 2025-09-30 + 5 working days: 1–8 October are holidays, 11 October a make-up working day.
    assert limit_end(dt.date(2025, 9, 30), Limit(5, LimitUnit.WORKING_DAYS)) == dt.date(2025, 10, 14)
