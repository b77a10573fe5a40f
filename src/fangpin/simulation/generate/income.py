"""A household's yearly income components before shocks: the model both the monitoring stock (who is poorest)
and the monthly panel start from.
"""

from collections.abc import Mapping

import numpy as np

from fangpin.registry.income import COMPONENT_SIGNS
from fangpin.simulation.generate.population import _DISABLED, _ORDINARY, _SKILLED, _WEAK, _Population


def _annual_income(pop: _Population) -> dict[str, np.ndarray]:
    """Each household's yearly income components before shocks, in the model's own units (the calibration
    scale turns them into yuan). Deterministic given the population, so it can be recomputed after _monitor."""
    d, s = pop.draws, pop.standing
    labour = np.isin(pop.skill, [_SKILLED, _ORDINARY, _WEAK])
    rate = np.select(
        [pop.skill == _SKILLED, pop.skill == _ORDINARY, pop.skill == _WEAK], [2_600, 1_900, 900], 0
    )
    wage = pop.count(pop.months_employed * rate) * np.exp(0.3 * s + 0.2 * d["wage"])
    farm_hands = pop.count(labour & (pop.months_employed < 9)) + 0.5 * pop.count(
        (pop.age >= 60) & (pop.age <= 75)
    )
    farm = 9_000 * np.maximum(farm_hands, 0.3) * np.exp(0.35 * s + 0.3 * d["farm"]) * d["has_land"]
    business = farm + d["shop"] * 30_000 * np.exp(0.5 * d["shop_size"])
    elders = pop.count(pop.age >= 60)
    still = pop.is_still_monitored if pop.category is not None else np.zeros(len(s), bool)
    assistance = d.get("assistance", np.zeros(len(s)))
    has_labour = pop.count(labour) > 0
    # 低保 (minimum living guarantee) for the poorest and for half of the households still monitored.
    on_dibao = (s < -1.8) | (still & (d["dibao"] < 0.5))
    transfer = (
        1_800 * pop.size
        + 2_400 * elders
        + 800 * pop.is_formerly_poor * pop.size
        + 4_000 * on_dibao * pop.count(pop.is_resident)
        + 1_300 * pop.count(pop.health == _DISABLED)
        + 250 * d["has_land"]
        # Remittances from children living elsewhere to elderly heads.
        + (pop.age[pop.head] >= 60) * 3_000 * np.exp(0.5 * d["remittance"])
        + assistance * ~has_labour
    )
    # Households whose risk was eliminated by assistance earn from it: a public-welfare job (公益岗位) or
    # employment help where there is labour, protection (兜底保障) where there is none.
    return {
        "wage_income": wage + assistance * has_labour,
        "business_income": business,
        "property_income": d["has_property"] * 600 * np.exp(s + 0.7 * d["property"]),
        "transfer_income": transfer,
        "production_cost": business * d["cost_share"],
    }


def _net(components: Mapping[str, np.ndarray]) -> np.ndarray:
    return sum(sign * components[c] for c, sign in COMPONENT_SIGNS.items())
