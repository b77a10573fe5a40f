"""The monthly panel: incomes with trend, season and noise, shocks and their decaying losses and expenses, and
the rolling 12-month income per person that the ground truth is read from.
"""

import math
from dataclasses import dataclass

import numpy as np

from fangpin.registry.codes import SchoolStatus
from fangpin.registry.income import COMPONENT_SIGNS
from fangpin.simulation.generate.divisions import _County
from fangpin.simulation.generate.income import _annual_income, _net
from fangpin.simulation.generate.params import (
    _SHOCK_CODES,
    INCOME_COLUMNS,
    RISK_CODE_OF_SHOCK,
    SHOCK_RATE,
    SHOCK_TYPES,
)
from fangpin.simulation.generate.population import (
    _CHRONIC,
    _ORDINARY,
    _S,
    _SERIOUS,
    _SKILLED,
    _WEAK,
    _Population,
)
from fangpin.simulation.generate.timeline import _Calendar


@dataclass
class _Panel:
    amounts: dict[str, np.ndarray]  # (households, months) per INCOME_COLUMNS, rounded to the fen
    baseline_net: np.ndarray  # (households, 12) net income of the 12 months before the panel
    residents: np.ndarray
    shock_household: np.ndarray
    shock_month: np.ndarray
    shock_type: np.ndarray
    shock_code: np.ndarray  # index into _SHOCK_CODES
    shock_expense: np.ndarray  # medical or schooling spending, yuan
    shock_loss: np.ndarray  # income lost over the following year, before the calibration scale


# Seasonal multipliers by calendar month: wages dip at the Spring Festival and peak with year-end pay; farm
# income follows Guangxi's sugarcane (Dec–Mar) and rice (Jul, Oct–Nov) harvests; costs peak at spring planting.
_SEASON_WAGE = np.array([0.75, 0.7, 1.0, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.15])
_SEASON_FARM = np.array([1.3, 1.2, 0.9, 0.6, 0.6, 0.8, 1.2, 1.0, 0.9, 1.2, 1.2, 1.4])
_SEASON_COST = np.array([0.8, 0.9, 1.5, 1.5, 1.2, 0.9, 0.9, 0.8, 0.8, 0.9, 0.9, 0.9])
_SEASON_SCHOOL = np.array([0.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5, 1.5, 4.0, 0.5, 0.5, 0.5])
# Per shock type: (share of wages lost, share of farm and business income lost, months for the loss to fall by
# e, median expense in 2024 yuan, lognormal spread of the expense, expense is medical (else schooling or none)).
_EFFECT = {
    "illness": (0.25, 0.1, 3, 3_500, 1.1, True),
    "disability": (0.35, 0.2, 18, 5_000, 0.8, True),
    "accident": (0.4, 0.1, 4, 6_000, 1.0, True),
    "death_of_earner": (0.5, 0.3, 36, 6_000, 0.6, True),
    "disaster": (0.0, 0.6, 4, 0, 0.0, False),
    "business_failure": (0.0, 0.7, 10, 0, 0.0, False),
    "job_loss": (0.5, 0.0, 4, 0, 0.0, False),
    "school_costs": (0.0, 0.0, 1, 5_000, 0.5, False),
}
_MEDICAL_SPREAD = np.array([0.6, 0.25, 0.15])  # a hospital bill paid over three months


def _panel(
    rng: np.random.Generator, pop: _Population, county: _County, calendar: _Calendar, weights: np.ndarray
) -> _Panel:
    n, months = len(pop.size), len(calendar.month_days)
    count = pop.count
    labour = np.isin(pop.skill, [_SKILLED, _ORDINARY, _WEAK])
    residents = count(pop.is_resident)
    annual = _annual_income(pop)
    wage, business = annual["wage_income"], annual["business_income"]
    chronic_medical = (
        80 * count(pop.health == _CHRONIC) + 400 * count(pop.health == _SERIOUS)
    ) * calendar.price
    has_insurance = pop.draws["insured"]

    # Monthly amounts: trend, season and noise around the baseline.
    moy = calendar.month_of_year
    noise = lambda sigma: np.exp(sigma * rng.standard_normal((n, months)) - sigma**2 / 2)  # noqa: E731
    trend = calendar.trend[None, :]
    season = lambda table: (table / table.mean())[moy][None, :]  # noqa: E731
    base_wage = wage[:, None] / 12 * trend * season(_SEASON_WAGE)
    base_business = business[:, None] / 12 * trend * season(_SEASON_FARM)

    # Shock hazards: each type's share of all shocks follows the weights; within a type, households at more
    # risk (older, sicker, more workers, a business, students) are hit more often.
    students = count((pop.school >= _S[SchoolStatus.SENIOR]) & (pop.school <= _S[SchoolStatus.MASTER_PLUS]))
    exposure = {
        "illness": count(0.5 + pop.age / 40 + 2 * np.isin(pop.health, [_CHRONIC, _SERIOUS])),
        "disability": count(0.5 + pop.age / 50),
        "accident": count(labour) + 0.3,
        "death_of_earner": count(labour) * pop.age[pop.head] / 50,
        "business_failure": (business > 0) * (1 + 3 * pop.draws["shop"]),
        "job_loss": count(pop.months_employed > 0),
        "school_costs": students + 0.1 * count((pop.school >= _S[SchoolStatus.PRIMARY]) & (pop.age >= 6)),
    }
    hits = {}
    for t, exp_t in exposure.items():
        w = weights[SHOCK_TYPES.index(t)]
        mean = exp_t.mean()
        hazard = np.zeros(n) if mean <= 0 or w == 0 else np.minimum(SHOCK_RATE * w * exp_t / mean, 0.5)
        month_factor = season(_SEASON_SCHOOL) if t == "school_costs" else 1.0
        hits[t] = rng.random((n, months)) < hazard[:, None] * month_factor
    hits["disaster"] = county.disaster_hit[pop.village]

    # Losses decay month by month; households still monitored enter the panel carrying part of their loss.
    carried = 0.3 * pop.is_still_monitored[:, None] * np.exp(-np.arange(months) / 8)[None, :]
    wage_loss = carried.copy()
    business_loss = carried.copy()
    medical = np.repeat(chronic_medical[:, None], months, axis=1)
    schooling = np.zeros((n, months))
    claims = np.zeros((n, months))
    rows = []
    for t in SHOCK_TYPES:
        d_wage, d_business, tau, median, sigma, is_medical = _EFFECT[t]
        h = hits[t]
        state_w = np.zeros(n)
        state_b = np.zeros(n)
        decay = math.exp(-1 / tau)
        for m in range(months):
            state_w = state_w * decay + d_wage * h[:, m]
            state_b = state_b * decay + d_business * h[:, m]
            wage_loss[:, m] += state_w
            business_loss[:, m] += state_b
        who, when = np.nonzero(h)
        expense = (
            median * calendar.price * np.exp(sigma * rng.standard_normal(len(who)))
            if median
            else np.zeros(len(who))
        )
        if is_medical:
            for lag, share in enumerate(_MEDICAL_SPREAD):
                ok = when + lag < months
                np.add.at(medical, (who[ok], when[ok] + lag), share * expense[ok])
            covered = has_insurance[who] & (rng.random(len(who)) < 0.8)
            claim = covered * np.maximum(expense - 5_000 * calendar.price, 0) * 0.5
            ok = when + 2 < months
            np.add.at(claims, (who[ok], when[ok] + 2), claim[ok])
        elif t == "school_costs":
            np.add.at(schooling, (who, when), expense)
        # The shock's cost: its expense plus the income it takes over the following year at its decay rate.
        horizon = (1 - decay**12) / (1 - decay)
        monthly = (d_wage * wage[who] + d_business * business[who]) / 12
        code = (
            county.disaster_code[pop.village[who], when]
            if t == "disaster"
            else np.full(len(who), _SHOCK_CODES.index(RISK_CODE_OF_SHOCK[t]))
        )
        rows.append((who, when, np.full(len(who), SHOCK_TYPES.index(t)), code, expense, monthly * horizon))

    keep = lambda loss: np.clip(1 - loss, 0, 1)  # noqa: E731
    amounts = {
        "wage_income": base_wage * keep(wage_loss) * noise(0.1),
        "business_income": base_business * keep(business_loss) * noise(0.15),
        "property_income": annual["property_income"][:, None] / 12 * trend,
        "transfer_income": annual["transfer_income"][:, None] / 12 * trend,
        "production_cost": annual["production_cost"][:, None] / 12 * trend * season(_SEASON_COST),
        "medical_self_paid": medical,
        "schooling_self_paid": schooling,
        "claims_income": claims,
    }
    who, when, kind, code, expense, loss = (np.concatenate(c) for c in zip(*rows, strict=True))
    order = np.lexsort((kind, when, who))
    return _Panel(
        amounts=amounts,
        baseline_net=_net(annual)[:, None] / 12 * calendar.pre_trend[None, :],
        residents=residents,
        shock_household=who[order],
        shock_month=when[order],
        shock_type=kind[order],
        shock_code=code[order],
        shock_expense=expense[order],
        shock_loss=loss[order],
    )


# The components of the income formula carry the calibration scale; expenses and claims are already in yuan.
_SCALED = tuple(COMPONENT_SIGNS)


def _income_pc_12m(panel: _Panel, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Net income per resident over the 12 months ending each panel month, and over the 12 before the panel.

    Scales and rounds the income components in place (once), then applies COMPONENT_SIGNS to the rounded amounts
    so the ground truth equals what the registry's own formula gives for the stored rows.
    """
    for c in _SCALED:
        panel.amounts[c] = np.round(panel.amounts[c] * scale, 2)
    for c in [c for c in INCOME_COLUMNS if c not in _SCALED]:
        panel.amounts[c] = np.round(panel.amounts[c], 2)
    net = sum(sign * panel.amounts[c] for c, sign in COMPONENT_SIGNS.items())
    extended = np.concatenate([np.round(panel.baseline_net * scale, 2), net], axis=1)
    cum = np.concatenate([np.zeros((len(net), 1)), np.cumsum(extended, axis=1)], axis=1)
    months = net.shape[1]
    rolling = cum[:, 13 : 13 + months] - cum[:, 1 : 1 + months]
    return rolling / panel.residents[:, None], (cum[:, 12] - cum[:, 0]) / panel.residents
