"""What an indicator is: a named, labelled per-household value that rules compare.

The registry here is the one list rules are validated against; the expressions that compute the values live
beside it in this package, grouped by the input they scan so that each input is read once.
"""

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    NUMBER = "number"
    BOOLEAN = "boolean"
    TEXT = "text"


@dataclass(frozen=True)
class Indicator:
    name: str  # the word rules use, e.g. "medical_oop_12m"
    label_zh: str
    label_en: str
    unit: str  # "yuan", "yuan_per_person", "count", "ratio", "grade", "" for booleans
    kind: Kind
    description: str  # how it is computed, in one or two sentences (shown to rule writers)
    sources: tuple[str, ...]  # the inputs it reads: "households", "members", "incomes" or a feed source


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.name in REGISTRY:
        raise ValueError(f"Indicator {indicator.name!r} is registered twice.")
    REGISTRY[indicator.name] = indicator
    return indicator
