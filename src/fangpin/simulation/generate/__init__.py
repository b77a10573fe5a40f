"""The simulated county (DESIGN.md §7): divisions, households, members, a monthly income panel with shocks and
recovery, and the ground truth of who falls below the monitoring line — numpy and pyarrow, one chunk at a time.

Everything is vectorised over households and members; Python loops run only over chunks, months, shock types
and townships. Draws come from `default_rng([seed, chunk])` per chunk plus separate county-level streams, so the
same parameters always give the same tables.

The modules, in the order a chunk is made: `params` (what is asked for, the code lists), `timeline` (the
panel's months and income level), `divisions` (townships, villages, village disasters), `population` (households
and members), `income` (yearly income before shocks), `monitoring` (the stock at the panel start), `panel`
(monthly incomes and shocks), `identity` (names, ID numbers) and `chunks` (the driver and its tables).
"""

from fangpin.simulation.generate.chunks import CountyChunk, generate_chunks
from fangpin.simulation.generate.divisions import build_divisions
from fangpin.simulation.generate.identity import _IdNumbers as _IdNumbers  # for the issuer's own tests
from fangpin.simulation.generate.params import (
    CATEGORY_CODES,
    DEFAULT_RISK_MIX,
    DISASTER_CODES,
    FORMERLY_POOR_SHARE,
    INCOME_COLUMNS,
    MONITORED_SHARE,
    RISK_CODE_OF_SHOCK,
    SHOCK_RATE,
    SHOCK_TYPES,
    SimulationParams,
)

__all__ = [
    "CATEGORY_CODES",
    "DEFAULT_RISK_MIX",
    "DISASTER_CODES",
    "FORMERLY_POOR_SHARE",
    "INCOME_COLUMNS",
    "MONITORED_SHARE",
    "RISK_CODE_OF_SHOCK",
    "SHOCK_RATE",
    "SHOCK_TYPES",
    "CountyChunk",
    "SimulationParams",
    "build_divisions",
    "generate_chunks",
]
