"""Fixtures of the alert tests: a screening run to point alerts at, a fixed "today", and hits to write."""

import datetime as dt
import json

import pyarrow as pa
import pytest
from django.core.cache import cache
from django.utils import timezone

from fangpin.alerts.refresh import HIT_SCHEMA
from fangpin.screening.models import RuleSet, ScreeningRun

TODAY = dt.date(2026, 9, 29)  # a Tuesday before the National Day holiday (10-01 to 10-07)


@pytest.fixture
def run(db):
    rule_set = RuleSet.objects.create(version=1, source="rules: []", definition={"rules": []})
    return ScreeningRun.objects.create(rule_set=rule_set, as_of=TODAY)


@pytest.fixture
def today(monkeypatch):
    """Pin the local date the services count deadlines from (a datetime of that day, 10:00 in Beijing)."""
    now = timezone.make_aware(dt.datetime(2026, 9, 29, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: now)
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def _empty_cache():
    """The rate limits count in the cache; each test starts from nothing."""
    cache.clear()
    yield
    cache.clear()


def evidence(amount: str = "23400.00", *, zh: str = "医疗自付 23,400 元，超过 20,000 元") -> dict:
    return {
        "rules": [
            {
                "rule": "medical_oop_12m",
                "name": {"zh": "医疗自付过高", "en": "High medical self-payment"},
                "values": {"medical_oop_12m": amount},
                "explain": {"zh": zh, "en": f"Medical self-payment {amount} yuan, above 20,000 yuan"},
            }
        ],
        "sources": {"医保": [3, 4]},
        "line": "6000.00",
    }


def hit(household, risk_code: str = "01", level: str = "orange", **kwargs) -> dict:
    """One row of a run's hits (alerts.refresh.HIT_SCHEMA); `table` makes the run's table of them."""
    return {
        "household_id": household.pk,
        "village_code": household.village_id,
        "risk_code": risk_code,
        "level": level,
        "evidence": json.dumps(kwargs.get("evidence") or evidence(), ensure_ascii=False),
    }


def table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=HIT_SCHEMA)
