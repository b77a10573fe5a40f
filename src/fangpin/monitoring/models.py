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


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("calendar days")
    MONTHS = "months", _("months")


class TimeLimit(models.Model):
    """A configurable time limit of the procedure (first visit, whole identification, public notice, follow-up).

    Local rules differ (Anhui checks a self-report within 2 working days; Gansu allows 5 + 15), so each limit is a
    row a county edits; `time_limit(key)` is the one place code reads them, falling back to DEFAULT_LIMITS.
    """

    key = models.SlugField(_("limit"), max_length=40, unique=True)
    amount = models.PositiveSmallIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=12, choices=LimitUnit.choices)
    note = models.CharField(_("source or note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.amount} {self.get_unit_display()}"
