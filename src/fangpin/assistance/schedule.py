"""When a follow-up visit is due: the last visit plus the time limit of the household's level.

Pure date arithmetic; the selector turns "is it overdue?" into one cut-off date per level, so the database
answers it for every household in one query.
"""

import datetime as dt

from fangpin.monitoring.models import LimitUnit
from fangpin.monitoring.selectors import Limit, limit_end

_DAYS_PER_UNIT: dict[str, int] = {LimitUnit.MONTHS: 31, LimitUnit.WORKING_DAYS: 3, LimitUnit.DAYS: 1}


def overdue_cutoff(today: dt.date, limit: Limit) -> dt.date:
    """The latest last-visit date whose next visit is overdue on `today` (due before today).

    `limit_end` never decreases as `last` grows, so a binary search over a window wide enough for any limit
    finds it exactly, month ends and holidays included.
    """
    # Calendar days per unit, generously: a month is at most 31 days, 1 working day at most 3 around holidays
    # (longer runs are covered by the 40 days added below).
    span = _DAYS_PER_UNIT.get(str(limit.unit), 1)
    low = today - dt.timedelta(days=limit.amount * span + 40)  # due(low) < today: overdue
    while limit_end(low, limit) >= today:  # never for the units above; kept so a new unit cannot go wrong
        low -= dt.timedelta(days=limit.amount * span + 40)
    high = today  # due(today) >= today: not overdue
    while (high - low).days > 1:
        mid = low + dt.timedelta(days=(high - low).days // 2)
        if limit_end(mid, limit) < today:
            low = mid
        else:
            high = mid
    return low
