"""Checks and small rules shared by every way into the queue: levels, risk codes, deadlines."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from fangpin.alerts.models import LEVEL_RANK, AlertLevel
from fangpin.core.errors import ValidationError
from fangpin.core.workdays import add_working_days
from fangpin.monitoring.models import LimitUnit
from fangpin.monitoring.selectors import time_limit
from fangpin.registry.codes import RiskType


def due_date(*, start: dt.date, limit_key: str) -> dt.date:
    """The deadline of a time limit counted from `start`, in the limit's own unit (working days by default)."""
    limit = time_limit(limit_key)
    if limit.unit == LimitUnit.WORKING_DAYS:
        return add_working_days(start, limit.amount)
    if limit.unit == LimitUnit.MONTHS:
        return start + relativedelta(months=limit.amount)
    return start + dt.timedelta(days=limit.amount)


def check_level(level: str) -> None:
    if level not in LEVEL_RANK:
        raise ValidationError(
            _("Unknown alert level %(level)s: use red, orange or yellow.") % {"level": level}, field="level"
        )


def check_risk_code(risk_code: str) -> None:
    if risk_code not in RiskType.values:
        raise ValidationError(
            _("Unknown risk type %(code)s: use a national risk code such as 01 or 0201.")
            % {"code": risk_code},
            field="risk_code",
        )


def higher_level(a: str, b: str) -> str:
    return a if LEVEL_RANK[AlertLevel(a)] >= LEVEL_RANK[AlertLevel(b)] else b
