"""Today's date for deadlines and procedure dates: the one place the working code asks what day it is.

A trainer can move the demo's clock forward (FANGPIN_CLOCK_OFFSET_DAYS) to show cadres how deadlines turn
orange and red; production refuses an offset (settings). Audit timestamps always keep the real time.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=settings.FANGPIN_CLOCK_OFFSET_DAYS)
