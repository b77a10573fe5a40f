"""Household income per person (家庭年人均纯收入): the one place it is computed from its components.

Net income = wages + production/business income + property income + transfer income − production costs,
divided by the members who live in the household (DESIGN.md §3). `COMPONENT_SIGNS` is what the SQL and
Ibis versions of the same sum are built from, so the formula exists once.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

COMPONENT_SIGNS: Mapping[str, int] = {
    "wage_income": 1,
    "business_income": 1,
    "property_income": 1,
    "transfer_income": 1,
    "production_cost": -1,
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class IncomeComponents:
    wage_income: Decimal = Decimal(0)
    business_income: Decimal = Decimal(0)
    property_income: Decimal = Decimal(0)
    transfer_income: Decimal = Decimal(0)
    production_cost: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return sum((sign * getattr(self, name) for name, sign in COMPONENT_SIGNS.items()), Decimal(0))


def income_per_person(components: IncomeComponents, *, residents: int) -> Decimal | None:
    """Net income divided by resident members, rounded to the fen; None for a household with nobody living in it."""
    if residents <= 0:
        return None
    return (components.net / residents).quantize(CENT, rounding=ROUND_HALF_UP)
