"""The wide indicator table: every input aggregated once, left-joined to households, one column per indicator.

Each indicator names the intermediate columns it needs (`<stage>__<part>`, see stages.py) and how it is computed
from them; only the stages and parts the requested indicators need are built.
"""

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from fangpin.screening.indicators.base import REGISTRY, Kind
from fangpin.screening.indicators.params import DEFAULT_PARAMS, IndicatorParams, Window
from fangpin.screening.indicators.stages import (
    Context,
    feed_stage,
    incomes_stage,
    latest_rank,
    members_stage,
    village_water_stage,
)
from fangpin.screening.inputs import ScreeningInputs

HOUSEHOLD_FACTS = ("status", "is_formerly_poor", "housing_grade", "has_safe_water")


@dataclass(frozen=True)
class Formula:
    parts: tuple[str, ...]  # "<stage>__<part>", or "households__<column>"
    build: Callable[[ir.Table, Context], ir.Value]


def _num(t: ir.Table, name: str) -> ir.NumericValue:
    """An intermediate count or sum: 0 when the stage ran but had no row for the household, null when the
    stage did not run (its feed has no file in the window)."""
    if name in t.columns:
        return t[name].fill_null(0)
    return ibis.null("int64")


def _raw(t: ir.Table, name: str, dtype: str = "string") -> ir.Value:
    return t[name] if name in t.columns else ibis.null(dtype)


def _f(value: ir.Value) -> ir.FloatingValue:
    return value.cast("float64")


def _when(condition: ir.BooleanValue, value: ir.Value) -> ir.Value:
    return ibis.ifelse(condition, value, ibis.null(value.type()))


def _yuan(fen: ir.Value) -> ir.FloatingValue:
    return _f(fen) / 100


def _has_income(t: ir.Table) -> ir.BooleanValue:
    return (t.incomes__months_cur > 0).fill_null(False)


def _income_pc(t: ir.Table, c: Context) -> ir.Value:
    residents = _f(t.members__residents.nullif(0))
    return _when(_has_income(t), _f(t.incomes__net_cur) / residents / 100)


def _change_yoy(t: ir.Table, c: Context) -> ir.Value:
    # Monthly averages, so a year with a missing month still compares like with like.
    ok = _has_income(t) & (t.incomes__months_prev > 0).fill_null(False) & (t.incomes__net_prev > 0)
    before = _f(_when(ok, t.incomes__net_prev)) * _f(t.incomes__months_cur)
    return _f(t.incomes__net_cur) * _f(t.incomes__months_prev) / before - 1


def _medical(t: ir.Table, c: Context) -> ir.Value:
    feed = _raw(t, "health__oop", "int64")
    feed = feed.fill_null(0) if "health__oop" in t.columns else feed
    survey = _when(_has_income(t), t.incomes__medical)
    return _yuan(ibis.greatest(feed.coalesce(survey), survey.coalesce(feed)))


def _grade(t: ir.Table, c: Context) -> ir.Value:
    return latest_rank(_raw(t, "housing__grade_key")).coalesce(t.households__housing_grade)


def _water(t: ir.Table, c: Context) -> ir.Value:
    rank = latest_rank(_raw(t, "disaster__water_key")).coalesce(latest_rank(_raw(t, "village__water_key")))
    unsafe = rank.isin(c.params.unsafe_water_ranks)
    return ibis.ifelse(rank.notnull(), unsafe, ~t.households__has_safe_water)


def _earner(t: ir.Table, c: Context) -> ir.Value:
    feeds = c.inputs.feeds
    if feeds.get("public_security") is None and feeds.get("disability") is None:
        return ibis.null("boolean")
    return _num(t, "members__earner_hit") > 0


def _loss_ratio(t: ir.Table, c: Context) -> ir.Value:
    income = _when(_has_income(t) & (t.incomes__net_cur > 0), t.incomes__net_cur)
    return _f(_num(t, "disaster__loss")) / _f(income)


FORMULAS: dict[str, Formula] = {
    "income_pc_12m": Formula(("incomes__net_cur", "incomes__months_cur", "members__residents"), _income_pc),
    "income_pc_change_yoy": Formula(
        ("incomes__net_cur", "incomes__months_cur", "incomes__net_prev", "incomes__months_prev"), _change_yoy
    ),
    "medical_oop_12m": Formula(("health__oop", "incomes__medical", "incomes__months_cur"), _medical),
    "medical_oop_max_stay": Formula(("health__oop_max",), lambda t, c: _yuan(_num(t, "health__oop_max"))),
    "education_cost_12m": Formula(
        ("incomes__schooling", "incomes__months_cur"),
        lambda t, c: _yuan(_when(_has_income(t), t.incomes__schooling)),
    ),
    "children_out_of_school": Formula(
        ("members__out_of_school",), lambda t, c: _num(t, "members__out_of_school")
    ),
    "members_uninsured": Formula(("members__uninsured",), lambda t, c: _num(t, "members__uninsured")),
    "housing_grade": Formula(("housing__grade_key", "households__housing_grade"), _grade),
    "housing_unsafe": Formula(
        ("housing__grade_key", "households__housing_grade"),
        lambda t, c: _grade(t, c).isin(c.params.unsafe_housing),
    ),
    "water_unsafe": Formula(
        ("disaster__water_key", "village__water_key", "households__has_safe_water"), _water
    ),
    "has_disabled_member": Formula(("members__disabled",), lambda t, c: _num(t, "members__disabled") > 0),
    "disabled_members": Formula(("members__disabled",), lambda t, c: _num(t, "members__disabled")),
    "earner_died_or_injured": Formula(("members__earner_hit",), _earner),
    "disaster_loss_ratio": Formula(
        ("disaster__loss", "incomes__net_cur", "incomes__months_cur"), _loss_ratio
    ),
    "relief_newly_granted": Formula(
        ("civil_affairs__relief_new",), lambda t, c: _num(t, "civil_affairs__relief_new") > 0
    ),
    "job_loss_or_unpaid_wages": Formula(
        ("human_resources__job_events",), lambda t, c: _num(t, "human_resources__job_events")
    ),
    "labour_count": Formula(("members__labour",), lambda t, c: _num(t, "members__labour")),
    "dependency_ratio": Formula(
        ("members__dependants", "members__working_age"),
        lambda t, c: _f(_num(t, "members__dependants")) / _f(_num(t, "members__working_age").nullif(0)),
    ),
    "microcredit_arrears": Formula(("finance__arrears",), lambda t, c: _yuan(_num(t, "finance__arrears"))),
    "is_monitored": Formula(
        ("households__status",), lambda t, c: t.households__status == c.params.monitored_status
    ),
    "is_formerly_poor": Formula(
        ("households__is_formerly_poor",), lambda t, c: t.households__is_formerly_poor.fill_null(False)
    ),
    "resident_members": Formula(("members__residents",), lambda t, c: _num(t, "members__residents")),
}


def _dtype(name: str) -> str:
    indicator = REGISTRY[name]
    if indicator.kind == Kind.BOOLEAN:
        return "boolean"
    if indicator.kind == Kind.TEXT:
        return "string"
    return "int64" if indicator.unit == "count" else "float64"


def _join(left: ir.Table, right: ir.Table | None, key: str) -> ir.Table:
    if right is None:
        return left
    joined = left.left_join(right, key)
    return joined.drop(f"{key}_right") if f"{key}_right" in joined.columns else joined


def indicator_table(
    inputs: ScreeningInputs,
    *,
    as_of: dt.date,
    names: Collection[str] | None = None,
    params: IndicatorParams = DEFAULT_PARAMS,
) -> ir.Table:
    """household_id, village_code, township_code and one column per requested indicator (all when None)."""
    wanted = list(REGISTRY) if names is None else list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in FORMULAS]
    if unknown:
        raise KeyError(f"Unknown indicators: {', '.join(unknown)}.")
    ctx = Context(inputs=inputs, window=Window.of(as_of, params), params=params)
    needed: dict[str, set[str]] = {}
    for name in wanted:
        for part in FORMULAS[name].parts:
            stage, _, column = part.partition("__")
            needed.setdefault(stage, set()).add(column)

    h = inputs.households
    facts = {f"households__{c}": h[c] for c in sorted(needed.pop("households", ()))}
    village = h.village_code.cast("string")
    table = h.select(
        household_id=h.household_id.cast("int64"),
        village_code=village,
        township_code=village.substr(0, 9) + "000",
        **facts,
    )
    for stage, columns in sorted(needed.items()):
        if stage == "members":
            table = _join(table, members_stage(ctx, columns), "household_id")
        elif stage == "incomes":
            table = _join(table, incomes_stage(ctx, columns), "household_id")
        elif stage == "village":
            table = _join(table, village_water_stage(ctx), "village_code")
        else:
            table = _join(table, feed_stage(ctx, stage, columns), "household_id")
    return table.select(
        "household_id",
        "village_code",
        "township_code",
        **{name: FORMULAS[name].build(table, ctx).cast(_dtype(name)) for name in wanted},
    )
