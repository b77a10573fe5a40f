"""Writes of monitoring configuration: the dated monitoring line a county sets for its province."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role
from fangpin.audit.services import audit_record
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.monitoring.models import NATIONAL, MonitoringLine


def monitoring_line_save(
    *, actor, province_code: str, year: int, amount: Decimal, note: str = ""
) -> MonitoringLine:
    """Set the line of a province and year (a new row, or a correction of that year's row).

    The county bureau sets its own province's line; the national reference (00) is not the county's to change.
    Runs that already used a line keep the amount they used (ScreeningRun.line_amount).
    """
    if getattr(actor, "role", None) != Role.COUNTY:
        raise PermissionDenied(_("Only the county bureau sets the monitoring line."))
    county_code = actor.division_id or ""
    if province_code == NATIONAL or province_code != county_code[:2]:
        raise ValidationError(
            _("A county sets the line of its own province ({province}).").format(province=county_code[:2]),
            field="province_code",
        )
    if not 2020 <= year <= 2100:
        raise ValidationError(_("The year must be between 2020 and 2100."), field="year")
    if amount <= 0 or amount >= Decimal("100000"):
        raise ValidationError(
            _("The line is a yearly amount per person, between 1 and 99,999 yuan."), field="amount"
        )
    with transaction.atomic():
        line, created = MonitoringLine.objects.select_for_update().get_or_create(
            province_code=province_code, year=year, defaults={"amount": amount, "note": note}
        )
        before = None if created else str(line.amount)
        if not created:
            line.amount, line.note = amount, note
            line.save(update_fields=["amount", "note"])
        audit_record(
            actor=actor,
            action="monitoring_line.save",
            obj=line,
            data={"province": province_code, "year": year, "amount": str(amount), "before": before},
        )
    return line
