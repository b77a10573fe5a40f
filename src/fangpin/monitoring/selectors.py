import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from fangpin.core.workdays import add_working_days
from fangpin.monitoring.models import NATIONAL, LimitUnit, MonitoringLine, TimeLimit


def monitoring_line_for(*, province_code: str, year: int) -> MonitoringLine:
    """The line in force: the province's latest line up to `year`, else the national reference."""
    lines = MonitoringLine.objects.filter(
        Q(province_code=province_code) | Q(province_code=NATIONAL), year__lte=year
    )
    # A province's own line wins over the national one, then the most recent year.
    line = sorted(lines, key=lambda ln: (ln.province_code == province_code, ln.year), reverse=True)
    if not line:
        raise MonitoringLine.DoesNotExist(
            f"No monitoring line configured for province {province_code} in {year}."
        )
    return line[0]


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # a LimitUnit value


# Defaults from DESIGN.md §2.3 and §2.6; a county overrides any of them with a TimeLimit row.
DEFAULT_LIMITS: dict[str, Limit] = {
    "alert_first_visit": Limit(5, LimitUnit.WORKING_DAYS),  # first home visit after an alert
    "self_report_village_check": Limit(2, LimitUnit.WORKING_DAYS),  # village checks a self-report (Anhui)
    "identification_total": Limit(15, LimitUnit.WORKING_DAYS),  # the whole identification procedure
    "elimination_total": Limit(15, LimitUnit.WORKING_DAYS),  # the whole risk-elimination procedure
    "public_notice": Limit(5, LimitUnit.DAYS),  # minimum length of a village public notice (公示)
    "follow_up_red": Limit(1, LimitUnit.MONTHS),  # follow-up visits to a red-level household
    "follow_up_other": Limit(3, LimitUnit.MONTHS),  # follow-up visits to others (quarterly)
    "elimination_stable_months": Limit(
        6, LimitUnit.MONTHS
    ),  # income stably above the line before elimination
}


def time_limit(key: str) -> Limit:
    """The limit in force for `key`: the county's row if there is one, else the default."""
    row = TimeLimit.objects.filter(key=key).first()
    if row is not None:
        return Limit(row.amount, row.unit)
    try:
        return DEFAULT_LIMITS[key]
    except KeyError:
        raise KeyError(f"Unknown time limit {key!r}; known: {', '.join(sorted(DEFAULT_LIMITS))}") from None


def monitoring_lines_for(*, province_code: str) -> list[MonitoringLine]:
    """The lines that can apply to a province: its own and the national reference, newest first."""
    return list(
        MonitoringLine.objects.filter(Q(province_code=province_code) | Q(province_code=NATIONAL)).order_by(
            "-year", "province_code"
        )
    )


def limit_end(start: dt.date, limit: Limit) -> dt.date:
    """`start` plus `limit` in its own unit: working days on the official calendar, calendar days, or months
    (kept at the month's last day when the target month is shorter: 31 January + 1 month is 28 February)."""
    if limit.unit == LimitUnit.WORKING_DAYS:
        return add_working_days(start, limit.amount)
    if limit.unit == LimitUnit.MONTHS:
        return start + relativedelta(months=limit.amount)
    return start + dt.timedelta(days=limit.amount)


def due_date(*, start: dt.date, limit_key: str) -> dt.date:
    """The deadline of the configured limit `limit_key` counted from `start`: the one place deadlines are made."""
    return limit_end(start, time_limit(limit_key))
