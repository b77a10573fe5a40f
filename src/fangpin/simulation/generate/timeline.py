"""The panel's timeline: its months as date32 days, the income trend across them, and the calibrated income
level, monitoring line and prices at its end.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from fangpin.simulation import calibration
from fangpin.simulation.generate.params import SimulationParams

_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class _Calendar:
    month_days: np.ndarray  # date32 day numbers of the panel months
    month_of_year: np.ndarray  # 0 = January
    start_month_index: int  # year * 12 + month - 1 of the first panel month
    trend: np.ndarray  # income level of each panel month relative to the 12 months ending at end_month
    pre_trend: np.ndarray  # the same for the 12 months before the panel
    level: float  # calibrated mean income per person over the 12 months ending at end_month
    line_share: float  # the monitoring line as a share of that level
    price: float  # medical and schooling prices relative to 2024

    @property
    def start_days(self) -> int:
        return int(self.month_days[0])


def _month_date(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _days(d: dt.date) -> int:
    return (d - _EPOCH).days


def _calendar(params: SimulationParams) -> _Calendar:
    end = params.end_month.year * 12 + params.end_month.month - 1
    start = end - params.months + 1
    indices = np.arange(start, end + 1)
    growth = calibration.INCOME_GROWTH
    offset = np.arange(-params.months + 1, 1)
    pre_offset = np.arange(-params.months - 11, -params.months + 1)
    level = calibration.income_level(params.end_month)
    return _Calendar(
        month_days=np.array([_days(_month_date(int(i))) for i in indices], dtype=np.int32),
        month_of_year=indices % 12,
        start_month_index=start,
        # Centred so the 12 months ending at end_month average 1.
        trend=growth ** ((offset + 5.5) / 12),
        pre_trend=growth ** ((pre_offset + 5.5) / 12),
        level=level,
        line_share=params.line_yuan / level,
        price=level / calibration.INCOME_PC_2024,
    )
