"""Checks and small rules shared by every way into the queue: levels, risk codes, deadlines."""

from django.utils.translation import gettext as _

from fangpin.alerts.models import LEVEL_RANK
from fangpin.core.errors import ValidationError
from fangpin.registry.codes import RiskType


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
    # Levels are checked on the way in (check_level), so a plain look-up: a run refreshes 100,000 of them.
    return a if LEVEL_RANK[a] >= LEVEL_RANK[b] else b
