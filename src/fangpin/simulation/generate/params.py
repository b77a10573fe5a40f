"""What a simulation run is asked for (SimulationParams) and the code lists and rates the model draws from:
shock types and their risk codes, disaster sub-codes, monitoring categories, income columns.
"""

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fangpin.divisions.codes import InvalidDivisionCode, Level, level_of
from fangpin.registry.id_numbers import PROVINCE_CODES

SHOCK_TYPES = (
    "illness",
    "disability",
    "accident",
    "death_of_earner",
    "disaster",
    "business_failure",
    "job_loss",
    "school_costs",
)
# Illness dominant and disability second, as in the 2013–2015 registration data (DESIGN.md §7).
DEFAULT_RISK_MIX: Mapping[str, float] = {
    "illness": 0.43,
    "disability": 0.17,
    "accident": 0.07,
    "death_of_earner": 0.03,
    "disaster": 0.11,
    "business_failure": 0.06,
    "job_loss": 0.08,
    "school_costs": 0.05,
}
RISK_CODE_OF_SHOCK = {
    "illness": "01",
    "disability": "03",
    "death_of_earner": "04",
    "accident": "05",
    "business_failure": "06",
    "job_loss": "07",
    "school_costs": "09",
}
# Floods and landslides dominate in Guangxi; every disaster event draws one of these sub-codes.
DISASTER_CODES = ("0201", "0202", "0203", "0204", "0205", "0206", "0299")
_DISASTER_WEIGHTS = np.array([0.42, 0.22, 0.14, 0.05, 0.12, 0.01, 0.04])
# Every risk code a shock can carry: the disaster sub-codes, then the other shock types' codes.
_SHOCK_CODES = (*DISASTER_CODES, *sorted(set(RISK_CODE_OF_SHOCK.values())))

CATEGORY_CODES = ("unstable-formerly-poor", "marginal", "sudden-hardship")
INCOME_COLUMNS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "production_cost",
    "medical_self_paid",
    "schooling_self_paid",
    "claims_income",
)

# Monitoring stock at the panel start (DESIGN.md §7): ~3 % of households ever monitored (Baoshan 2.6 %).
MONITORED_SHARE = 0.03
FORMERLY_POOR_SHARE = 0.15
# Any shock in a household-month; ≈ 11 % of households a year meet at least one.
SHOCK_RATE = 0.01
# Random streams: chunk i draws from default_rng([seed, i]); the county and the income-scale pilot draw from
# streams far beyond any chunk index, so no chunk's draws depend on them.
_COUNTY_STREAM = 2**31 - 1
_PILOT_STREAM = 2**31 - 2


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


@dataclass(frozen=True)
class SimulationParams:
    households: int
    seed: int = 2026
    months: int = 12
    end_month: dt.date = dt.date(2026, 10, 1)
    county_code: str = "450123000000"
    county_name: str = "安宁县"
    line_yuan: float = 6000.0
    risk_mix: Mapping[str, float] | None = None
    chunk_size: int = 20_000

    def __post_init__(self) -> None:
        def whole(value: object) -> bool:
            return isinstance(value, int | np.integer) and not isinstance(value, bool)

        if not whole(self.households) or not 1_000 <= self.households <= 1_000_000:
            raise ValueError(
                f"households must be a whole number from 1,000 to 1,000,000, not {self.households!r}."
            )
        if not whole(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative whole number, not {self.seed!r}.")
        if not whole(self.months) or not 1 <= self.months <= 60:
            raise ValueError(f"months must be a whole number from 1 to 60, not {self.months!r}.")
        if not whole(self.chunk_size) or self.chunk_size < 100:
            raise ValueError(f"chunk_size must be a whole number of at least 100, not {self.chunk_size!r}.")
        end = self.end_month
        if not isinstance(end, dt.date) or isinstance(end, dt.datetime) or end.day != 1:
            raise ValueError(f"end_month must be a date on the first day of a month, not {end!r}.")
        if not dt.date(2020, 1, 1) <= end <= dt.date(2035, 12, 1):
            raise ValueError(f"end_month must lie between 2020-01 and 2035-12, not {end:%Y-%m}.")
        try:
            is_county = isinstance(self.county_code, str) and level_of(self.county_code) == Level.COUNTY
        except InvalidDivisionCode:
            is_county = False
        if not is_county or self.county_code[:2] not in PROVINCE_CODES:
            raise ValueError(f"county_code must be the 12-digit code of a county, not {self.county_code!r}.")
        if not isinstance(self.county_name, str) or not self.county_name.strip():
            raise ValueError("county_name must not be empty.")
        if not _is_number(self.line_yuan) or not math.isfinite(self.line_yuan) or self.line_yuan <= 0:
            raise ValueError(f"line_yuan must be a positive number of yuan, not {self.line_yuan!r}.")
        if self.risk_mix is not None:
            unknown = sorted(set(self.risk_mix) - set(SHOCK_TYPES))
            if unknown:
                raise ValueError(
                    f"risk_mix has unknown shock types {unknown}; known: {', '.join(SHOCK_TYPES)}."
                )
            values = list(self.risk_mix.values())
            if any(not _is_number(v) or not math.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
                raise ValueError("risk_mix weights must be non-negative numbers with a positive sum.")

    @property
    def shock_weights(self) -> np.ndarray:
        """The weight of each of SHOCK_TYPES, summing to 1 (missing types in `risk_mix` weigh 0)."""
        mix = DEFAULT_RISK_MIX if self.risk_mix is None else self.risk_mix
        w = np.array([float(mix.get(t, 0.0)) for t in SHOCK_TYPES])
        return w / w.sum()
