"""Working days on the Chinese official calendar (法定节假日 and 调休 make-up working weekends).

Time limits in the procedure are counted in working days ("first visit within 5 working days"). The official
calendar is published each year by the State Council; `chinesecalendar` carries it. For a year it does not know
yet, Monday to Friday count as working days, which errs on the side of an earlier deadline.
"""

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year beyond the published calendar
        log.warning("No official calendar for %s; counting Monday to Friday as working days.", day.year)
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (`start` itself does not count, as in "within 5 working days")."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))
