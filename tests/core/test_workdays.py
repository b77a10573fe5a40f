import datetime as dt

from fangpin.core.workdays import add_working_days, is_working_day, working_days_between


def test_national_day_holiday_is_skipped_when_counting_working_days():
    # 2026-10-01..07 is the National Day holiday (2026-09-30 is a Wednesday).
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_a_make_up_weekend_is_a_working_day():
    # Sunday 2026-09-20 is a make-up working day (调休) before National Day 2026.
    assert is_working_day(dt.date(2026, 9, 20))
    assert not is_working_day(dt.date(2026, 10, 3))


def test_five_working_days_from_a_monday_is_the_next_monday():
    assert add_working_days(dt.date(2026, 11, 16), 5) == dt.date(2026, 11, 23)


def test_working_days_between_counts_the_end_not_the_start_and_is_signed():
    assert working_days_between(dt.date(2026, 11, 16), dt.date(2026, 11, 23)) == 5
    assert working_days_between(dt.date(2026, 11, 23), dt.date(2026, 11, 16)) == -5


def test_a_year_beyond_the_published_calendar_counts_monday_to_friday():
    assert add_working_days(dt.date(2099, 1, 2), 1) == dt.date(2099, 1, 5)  # Friday → Monday
