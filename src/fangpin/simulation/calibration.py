"""Published figures the simulated county is calibrated to, each with the tolerance a simulated county must meet.

The generator aims at these values and the tests check them; the sources are the ones cited in DESIGN.md §7.
"""

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A published value and the absolute tolerance around it (a share's tolerance is in shares, not points)."""

    name: str
    value: float
    tolerance: float
    source: str

    @property
    def low(self) -> float:
        return self.value - self.tolerance

    @property
    def high(self) -> float:
        return self.value + self.tolerance

    def holds(self, observed: float) -> bool:
        return self.low <= observed <= self.high


# Per-capita disposable income of rural residents in formerly poor counties (脱贫县农村居民人均可支配收入):
# 12,588 yuan in 2020 and 17,522 yuan in 2024 (National Bureau of Statistics, as cited in DESIGN.md §7).
INCOME_PC_2020 = 12_588.0
INCOME_PC_2024 = 17_522.0
# Compound annual growth between the two, ≈ 8.6 % a year.
INCOME_GROWTH = (INCOME_PC_2024 / INCOME_PC_2020) ** (1 / 4)

TARGETS: tuple[Target, ...] = (
    # Baoshan, Yunnan, end 2021: 54,851 people in 16,369 monitored households = 3.35 a household (DESIGN.md §7).
    Target("mean_household_size", 3.3, 0.15, "DESIGN.md §7; Baoshan 2021: 54,851 people / 16,369 households"),
    # NBS: rural income per person in formerly poor counties, 2020 (DESIGN.md §7); ±5 %.
    Target("income_pc_2020", INCOME_PC_2020, 0.05 * INCOME_PC_2020, "NBS 2020, formerly poor counties"),
    # NBS: the same series, 2024 (DESIGN.md §7); ±5 %.
    Target("income_pc_2024", INCOME_PC_2024, 0.05 * INCOME_PC_2024, "NBS 2024, formerly poor counties"),
    # "About 2–5 % of households monitored"; Baoshan end 2021: 2.6 % of the rural population (DESIGN.md §7).
    Target("ever_monitored_share", 0.035, 0.015, "DESIGN.md §7: 2–5 %; Baoshan 2021: 2.6 %"),
    # Baoshan end 2021 split by category: 31 % 脱贫不稳定 / 30 % 边缘易致贫 / 39–40 % 突发严重困难 (DESIGN.md §7).
    Target("category_share_unstable", 0.31, 0.05, "Baoshan 2021: 脱贫不稳定户 31 %"),
    Target("category_share_marginal", 0.30, 0.05, "Baoshan 2021: 边缘易致贫户 30 %"),
    Target("category_share_sudden", 0.39, 0.05, "Baoshan 2021: 突发严重困难户 39–40 %"),
    # Baoshan end 2021: 49.7 % of monitored households had their risk eliminated (DESIGN.md §7).
    Target("eliminated_share", 0.497, 0.05, "Baoshan 2021: 49.7 % eliminated"),
    # 2013–2015 poverty registration (建档立卡): illness was 42–44 % of causes (DESIGN.md §7).
    Target("illness_share_of_first_risk", 0.43, 0.05, "建档立卡 2013–2015: illness 42–44 % of causes"),
)


def target(name: str) -> Target:
    for t in TARGETS:
        if t.name == name:
            return t
    raise KeyError(name)


def income_level(end_month: dt.date) -> float:
    """Mean income per person over the 12 months ending `end_month`, on the published growth path.

    December 2020 gives 12,588 and December 2024 gives 17,522; other months follow the same compound growth.
    """
    years = (end_month.year - 2020) + (end_month.month - 12) / 12
    return INCOME_PC_2020 * math.exp(years * math.log(INCOME_GROWTH))
