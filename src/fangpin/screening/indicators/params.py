"""What the indicators take as given: the window a run looks at and the code lists and ages they count with.

Both are plain data with defaults, so a county can change an age limit or a code list without touching the
expressions; the dates are worked out here in Python and reach the engines as literals (no date arithmetic in SQL).
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from fangpin.core.dates import add_months
from fangpin.registry.codes import LABOUR_SKILLS, Health, MedicalInsurance, MonitoringStatus, SchoolStatus


@dataclass(frozen=True)
class IndicatorParams:
    months: int = 12  # the window of the "…_12m" indicators, ending with the month of `as_of`
    school_ages: tuple[int, int] = (6, 15)  # compulsory education (义务教育), both ends included
    working_ages: tuple[int, int] = (16, 64)  # the denominator of the dependency ratio, both ends included
    labour_skills: frozenset[str] = frozenset(s.value for s in LABOUR_SKILLS)
    not_in_school: frozenset[str] = frozenset({SchoolStatus.NOT_IN_SCHOOL.value})
    uninsured: frozenset[str] = frozenset({MedicalInsurance.NONE.value})
    disabled_health: frozenset[str] = frozenset({Health.DISABLED.value})
    monitored_status: str = MonitoringStatus.MONITORED.value
    # 民政: the measures whose new grant is a warning sign, and the statuses that mean "new".
    relief_types: frozenset[str] = frozenset({"低保", "特困", "临时救助"})
    relief_new_statuses: frozenset[str] = frozenset({"新增"})
    job_events: frozenset[str] = frozenset({"失业", "欠薪"})  # 人社 events meaning lost work or lost wages
    death_events: frozenset[str] = frozenset({"死亡"})  # 公安
    # 残联: a certificate issued within the window to an earner counts as a serious injury or illness;
    # all four grades by default, since a new certificate of any grade follows a disabling event.
    injury_grades: frozenset[str] = frozenset({"1", "2", "3", "4"})
    arrears_type: str = "小额信贷逾期"  # 金融
    unsafe_housing: frozenset[str] = frozenset({"C", "D"})
    # Ranks so that the worst status wins when one day has several rows: a higher rank is worse.
    school_status_rank: tuple[tuple[str, str], ...] = (("在读", "0"), ("休学", "1"), ("辍学", "2"))
    out_of_school_ranks: frozenset[str] = frozenset({"1", "2"})
    water_rank: tuple[tuple[str, str], ...] = (("安全", "0"), ("不安全", "1"), ("中断", "2"))
    unsafe_water_ranks: frozenset[str] = frozenset({"1", "2"})
    matched: frozenset[str] = frozenset({"exact", "fuzzy"})  # feeds.matching.MatchStatus values that count


DEFAULT_PARAMS = IndicatorParams()


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass(frozen=True)
class Window:
    """The dates one run computes with: the current 12 months, the 12 before them, and the age cut-offs."""

    as_of: dt.date
    start: dt.date  # first day of the first month of the window
    end: dt.date  # last day of the month of as_of
    previous_start: dt.date  # first day of the year before the window (for the year-on-year change)

    @classmethod
    def of(cls, as_of: dt.date, params: IndicatorParams = DEFAULT_PARAMS) -> "Window":
        month = as_of.replace(day=1)
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        start = add_months(month, -(params.months - 1))
        return cls(as_of=as_of, start=start, end=end, previous_start=add_months(start, -params.months))

    def born_after(self, age: int) -> dt.date:
        """Members born after this day are younger than `age` on as_of."""
        return _years_before(self.as_of, age)

    def months(self) -> list[dt.date]:
        """First days of the window's months, oldest first."""
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = add_months(month, 1)
        return out
