from django.db.models import Q

from fangpin.monitoring.models import NATIONAL, MonitoringLine


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
