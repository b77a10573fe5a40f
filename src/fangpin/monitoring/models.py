"""Monitoring configuration: the dated monitoring line (监测范围/监测标准)."""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

NATIONAL = "00"


class MonitoringLine(models.Model):
    """The income per person below which a household is in the monitoring range, per province and year.

    Province "00" holds the national reference used where a province has set none (6,000 yuan from 2021,
    1.5 × the 2020 poverty line). A screening run records the row it used.
    """

    province_code = models.CharField(
        _("province code"),
        max_length=2,
        default=NATIONAL,
        validators=[RegexValidator(r"^\d{2}$", _("Two digits, such as 45; 00 is the national reference."))],
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2020)])
    amount = models.DecimalField(
        _("yuan per person per year"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("source or note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("monitoring line")
        verbose_name_plural = _("monitoring lines")
        ordering = ["province_code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "year"], name="one_line_per_province_year")
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.year}: {self.amount}"
