"""Pure rules of the procedures: the risk-elimination eligibility test (§2.6) and the deadline colours.

No Django here; the services gather the facts and the thresholds (time limits are configuration).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class EligibilityFacts:
    """What the village cadre checks before proposing a risk elimination (风险消除)."""

    months_income_above_line: int  # consecutive recent months with income per person above the line
    education_secure: bool  # 义务教育有保障
    medical_secure: bool  # 基本医疗有保障
    housing_secure: bool  # 住房安全有保障
    water_secure: bool  # 饮水安全有保障
    rigid_expense_controlled: bool  # no uncontrolled rigid expense (medical, schooling) remains
    has_labour: bool
    lives_on_protection: bool  # 兜底保障 (dibao, 特困供养)


class Reason(StrEnum):
    INCOME_NOT_STABLE = "income_not_stable"
    EDUCATION = "education"
    MEDICAL = "medical"
    HOUSING = "housing"
    WATER = "water"
    RIGID_EXPENSE = "rigid_expense"
    NO_LABOUR_ON_PROTECTION = "no_labour_on_protection"


@dataclass(frozen=True)
class Eligibility:
    is_eligible: bool
    reasons: tuple[Reason, ...]

    @property
    def is_not_yet_marked(self) -> bool:
        """暂不标注风险消除: a household without labour living on protection stays monitored."""
        return Reason.NO_LABOUR_ON_PROTECTION in self.reasons


def eligibility(facts: EligibilityFacts, *, stable_months: int) -> Eligibility:
    reasons = []
    if not facts.has_labour and facts.lives_on_protection:
        reasons.append(Reason.NO_LABOUR_ON_PROTECTION)
    if facts.months_income_above_line < stable_months:
        reasons.append(Reason.INCOME_NOT_STABLE)
    for ok, reason in [
        (facts.education_secure, Reason.EDUCATION),
        (facts.medical_secure, Reason.MEDICAL),
        (facts.housing_secure, Reason.HOUSING),
        (facts.water_secure, Reason.WATER),
        (facts.rigid_expense_controlled, Reason.RIGID_EXPENSE),
    ]:
        if not ok:
            reasons.append(reason)
    return Eligibility(is_eligible=not reasons, reasons=tuple(reasons))


class DeadlineState(StrEnum):
    ON_TIME = "on_time"
    ORANGE = "orange"  # due today or on the next working day
    RED = "red"  # overdue


def deadline_state(
    due: dt.date | None, *, today: dt.date, next_working_day: Callable[[dt.date], dt.date]
) -> DeadlineState:
    if due is None:
        return DeadlineState.ON_TIME
    if due < today:
        return DeadlineState.RED
    if due <= next_working_day(today):
        return DeadlineState.ORANGE
    return DeadlineState.ON_TIME
