"""Template filters of the case pages: labels of states, steps and deadlines, and a step's recorded fields."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from fangpin.cases.models import DEADLINE_LABELS, REASON_LABELS, STATE_LABELS, STEP_LABELS
from fangpin.registry.codes import EliminationMethod, RiskType
from fangpin.web.display import yuan

register = template.Library()

# The recorded fields of a step that a reader of the history needs, with their labels; others stay in the data.
_FIELDS = {
    "method": _("how"),
    "signed_on": _("date"),
    "attestation": _("attestation"),
    "visited_on": _("visited on"),
    "findings": _("findings"),
    "residents": _("members living in the household"),
    "income": _("income by component, last 12 months"),
    "income_per_person": _("income per person"),
    "medical_self_paid": _("medical self-payment"),
    "schooling_self_paid": _("schooling self-payment"),
    "other_rigid_expense": _("other rigid expenses"),
    "has_discrepancy": _("discrepancy found"),
    "held_on": _("meeting date"),
    "attendance": _("attendance"),
    "votes_for": _("votes for"),
    "votes_against": _("votes against"),
    "is_agreed": _("agreed"),
    "risk_codes": _("risk types"),
    "starts_on": _("notice from"),
    "ends_on": _("notice until"),
    "months_income_above_line": _("months above the line"),
    "education_secure": _("compulsory education secure"),
    "medical_secure": _("basic medical insurance secure"),
    "housing_secure": _("housing safe"),
    "water_secure": _("drinking water safe"),
    "rigid_expense_controlled": _("rigid expenses under control"),
    "has_labour": _("has labour"),
    "lives_on_protection": _("lives on protection"),
    "reasons": _("unmet conditions"),
}
_MONEY = {"income_per_person", "medical_self_paid", "schooling_self_paid", "other_rigid_expense"}
# Dates are kept as ISO text in the step's data; shown like every other date of the page.
_DATES = {"signed_on", "visited_on", "held_on", "starts_on", "ends_on", "received_on"}
# The components of a verification's income (registry.income.IncomeComponents), in the form's order.
_INCOME = {
    "wage_income": _("wages"),
    "business_income": _("production and business"),
    "property_income": _("property"),
    "transfer_income": _("transfers"),
    "production_cost": _("production costs"),
}


@register.filter
def state_label(value: str) -> str:
    return str(STATE_LABELS.get(value, value))


@register.filter
def step_label(value: str) -> str:
    return str(STEP_LABELS.get(value, value))


@register.filter
def deadline_label(value: str) -> str:
    return str(DEADLINE_LABELS.get(value, value))


def _show(key: str, value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key in _MONEY and value not in (None, "None"):
        return yuan(value)
    if key in _DATES and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if key == "income" and isinstance(value, dict):
        parts = [
            f"{label} {'−' if name == 'production_cost' else ''}{yuan(value[name])}"
            for name, label in _INCOME.items()
            if value.get(name) and Decimal(value[name]) != 0
        ]
        return _separator().join(parts) or "—"
    if key == "risk_codes":
        return pgettext("list separator", ", ").join(
            str(RiskType(c).label) if c in RiskType.values else c for c in value
        )
    if key == "reasons":
        return _separator().join(str(REASON_LABELS.get(r, r)) for r in value)
    if key == "method" and value in ("form", "attestation"):
        return str(_("signed form") if value == "form" else _("cadre's attestation"))
    if key == "method" and value in EliminationMethod.values:  # an elimination's method, stored as its term
        return str(EliminationMethod(value).label)
    return str(value)


def _separator() -> str:
    """Between longer items of one line: "；" in Chinese, "; " in English."""
    return pgettext("list separator", "; ")


@register.filter
def step_facts(data: dict) -> list[tuple[str, str]]:
    return [
        (str(label), _show(key, data[key]))
        for key, label in _FIELDS.items()
        if data.get(key) not in (None, "", [])
    ]
