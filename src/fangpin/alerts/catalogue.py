"""Configuration of the alert queue as data: the self-report's difficulty types and the public page's limits.

A deployment overrides the limits with `FANGPIN_SELF_REPORT` in its settings (a dict of the keys below).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangpin.alerts.models import AlertLevel
from fangpin.registry.codes import RiskType


@dataclass(frozen=True)
class Difficulty:
    key: str
    label: Promise  # the plain words a person reads on the public page
    risk_code: str
    level: str


# The choices of 一键申报, in the words a farmer uses, each mapped to a national risk code. A report is yellow
# (the village checks it within two working days); a sudden shock — a disaster or an accident — is orange.
DIFFICULTIES: tuple[Difficulty, ...] = (
    Difficulty("illness", _("Serious illness or large medical bills"), RiskType.ILLNESS, AlertLevel.YELLOW),
    Difficulty("disability", _("Disability in the family"), RiskType.DISABILITY, AlertLevel.YELLOW),
    Difficulty("disaster", _("Flood, drought or another disaster"), RiskType.DISASTER, AlertLevel.ORANGE),
    Difficulty("accident", _("Accident or death in the family"), RiskType.ACCIDENT, AlertLevel.ORANGE),
    Difficulty("job_loss", _("Lost work or wages not paid"), RiskType.UNSTABLE_EMPLOYMENT, AlertLevel.YELLOW),
    Difficulty("schooling", _("Cannot afford schooling costs"), RiskType.EDUCATION, AlertLevel.YELLOW),
    Difficulty("other", _("Other difficulty"), RiskType.OTHER, AlertLevel.YELLOW),
)
DIFFICULTY_BY_KEY = {d.key: d for d in DIFFICULTIES}


@dataclass(frozen=True)
class SelfReportLimits:
    per_ip_per_hour: int = 5  # reports from one network address in an hour
    per_phone_per_day: int = 3  # reports with one phone number in 24 hours
    status_checks_per_ip_per_hour: int = 30  # look-ups of a confirmation number from one address
    min_fill_seconds: int = 3  # a person needs longer than this to fill the form; a script does not
    max_form_age_seconds: int = 6 * 3600  # an older form is stale: reload it
    text_max_chars: int = 500


def self_report_limits() -> SelfReportLimits:
    return SelfReportLimits(**getattr(settings, "FANGPIN_SELF_REPORT", {}))
