"""Per-household indicators for screening: the registry rules are validated against, and the table that
computes them (`indicator_table`) over the snapshot and the feeds, on any Ibis backend.
"""

from fangpin.screening.indicators import catalogue as _catalogue  # noqa: F401  (registers the indicators)
from fangpin.screening.indicators.base import REGISTRY, Indicator, Kind, register
from fangpin.screening.indicators.params import DEFAULT_PARAMS, IndicatorParams, Window
from fangpin.screening.indicators.table import indicator_table

__all__ = [
    "DEFAULT_PARAMS",
    "REGISTRY",
    "Indicator",
    "IndicatorParams",
    "Kind",
    "Window",
    "indicator_table",
    "register",
]
