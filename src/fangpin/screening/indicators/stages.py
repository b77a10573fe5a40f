"""The scans behind the indicators: one group-by per input, producing only the intermediate columns asked for.

Each stage returns a table keyed by `household_id` (the village stage by `village_code`). Money sums leave a
stage as whole fen (int64, see `fen`), equal on every engine whatever the order of the rows; "latest row" picks
use the maximum of a "date + rank" string, so ties resolve the same way everywhere (worst status wins).
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from fangpin.registry.income import COMPONENT_SIGNS
from fangpin.screening.indicators.params import IndicatorParams, Window
from fangpin.screening.inputs import ScreeningInputs

DATE_CHARS = 10  # a date cast to text is 'YYYY-MM-DD' on DuckDB and Spark alike


@dataclass(frozen=True)
class Context:
    inputs: ScreeningInputs
    window: Window
    params: IndicatorParams

    def feed(self, source: str) -> ir.Table | None:
        """The feed's matched rows dated within the window, or None without a file of it."""
        table = self.inputs.feeds.get(source)
        if table is None:
            return None
        return table.filter(table.match_status.isin(self.params.matched), table.household_id.notnull())


def fen(value: ir.NumericValue) -> ir.IntegerValue:
    """Yuan (decimal or double) → whole fen, rounded half away from zero on both engines.

    Applied to sums: amounts carry at most two decimals, so an exact sum is a whole number of fen and the
    floating-point error of any summation order (far below half a fen) rounds away — equal on every engine,
    without rounding each of millions of rows.
    """
    return (_f(value) * 100).round().cast("int64")


def _f(value: ir.NumericValue) -> ir.FloatingValue:
    return value.cast("float64")


def _in_window(column: ir.DateValue, window: Window) -> ir.BooleanValue:
    return column.cast("date").between(window.start, window.end)


def _key(date: ir.DateValue, ranked: ir.StringValue) -> ir.StringValue:
    """'YYYY-MM-DD' + rank: its maximum is the latest row, and the worst of one day's rows."""
    return date.cast("date").cast("string") + ranked


def latest_rank(key: ir.StringValue) -> ir.StringValue:
    """The rank part of a `_key`."""
    return key.substr(DATE_CHARS)


def _ranked(column: ir.StringValue, ranks: tuple[tuple[str, str], ...]) -> ir.StringValue:
    return column.cases(*ranks)


# --- households and members ---------------------------------------------------------------------------------


def _member_feeds(ctx: Context, needed: Collection[str]) -> ir.Table:
    """Members with the per-member facts of the member-level feeds that `needed` requires."""
    p, w = ctx.params, ctx.window
    members = ctx.inputs.members
    if needed & {"out_of_school"} and (feed := ctx.feed("education_dropout")) is not None:
        rows = feed.filter(_in_window(feed.status_date, w))
        per = rows.group_by(member_id=rows.member_id).aggregate(
            _school_key=_key(rows.status_date, _ranked(rows.status, p.school_status_rank)).max()
        )
        members = members.left_join(per, "member_id").drop("member_id_right")
    if needed & {"disabled", "earner_hit"} and (feed := ctx.feed("disability")) is not None:
        rows = feed.filter(_in_window(feed.issue_date, w))
        per = rows.group_by(member_id=rows.member_id).aggregate(
            _certified=rows.count(), _injured=rows.count(where=rows.disability_grade.isin(p.injury_grades))
        )
        members = members.left_join(per, "member_id").drop("member_id_right")
    if needed & {"earner_hit"} and (feed := ctx.feed("public_security")) is not None:
        rows = feed.filter(_in_window(feed.event_date, w), feed.event_type.isin(p.death_events))
        per = rows.group_by(member_id=rows.member_id).aggregate(_died=rows.count())
        members = members.left_join(per, "member_id").drop("member_id_right")
    return members


def members_stage(ctx: Context, needed: Collection[str]) -> ir.Table:
    p, w = ctx.params, ctx.window
    m = _member_feeds(ctx, needed)
    cols = set(m.columns)
    # Ages on as_of from birth-date cut-offs computed in Python: younger than `age` = born after the cut-off.
    young = m.birth_date > w.born_after(p.working_ages[0])
    old = m.birth_date <= w.born_after(p.working_ages[1] + 1)
    school_age = (m.birth_date <= w.born_after(p.school_ages[0])) & (
        m.birth_date > w.born_after(p.school_ages[1] + 1)
    )
    has_labour = m.labour_skill.isin(p.labour_skills)
    disabled = m.health.isin(p.disabled_health) | m.disability_grade.notnull()
    if "_certified" in cols:
        disabled = disabled | m._certified.notnull()
    registry_out = m.school_status.isin(p.not_in_school)
    if "_school_key" in cols:
        feed_rank = latest_rank(m._school_key)
        out = ibis.ifelse(feed_rank.notnull(), feed_rank.isin(p.out_of_school_ranks), registry_out)
    else:
        out = registry_out
    hit = ibis.literal(False)
    if "_died" in cols:
        hit = hit | m._died.notnull()
    if "_injured" in cols:
        hit = hit | (m._injured > 0).fill_null(False)
    earner = has_labour | ~(young | old)
    parts: dict[str, Callable[[], ir.Value]] = {
        "residents": lambda: m.count(where=m.is_resident),
        "labour": lambda: m.count(where=has_labour),
        "uninsured": lambda: m.count(where=m.medical_insurance.isin(p.uninsured)),
        "dependants": lambda: m.count(where=young | old),
        "working_age": lambda: m.count(where=~(young | old)),
        "disabled": lambda: m.count(where=disabled),
        "out_of_school": lambda: m.count(where=school_age & out),
        "earner_hit": lambda: m.count(where=earner & hit),
    }
    return m.group_by("household_id").aggregate(**{f"members__{n}": parts[n]() for n in sorted(needed)})


# --- incomes ------------------------------------------------------------------------------------------------


def incomes_stage(ctx: Context, needed: Collection[str]) -> ir.Table:
    """Both years in one pass: the current window and the 12 months before it, by conditional sums.

    The snapshot holds one record per household and month, the preferred source already chosen
    (registry.snapshot, by registry.selectors.SOURCE_PRIORITY).
    """
    w = ctx.window
    t = ctx.inputs.incomes
    t = t.filter(t.period.cast("date").between(w.previous_start, w.end))
    net = sum((sign * t[name].fill_null(0) for name, sign in COMPONENT_SIGNS.items()), ibis.literal(0.0))
    current = t.period.cast("date") >= w.start
    previous = ~current
    parts: dict[str, Callable[[], ir.Value]] = {
        "net_cur": lambda: fen(net.sum(where=current)),
        "months_cur": lambda: t.count(where=current),
        "net_prev": lambda: fen(net.sum(where=previous)),
        "months_prev": lambda: t.count(where=previous),
        "medical": lambda: fen(t.medical_self_paid.fill_null(0).sum(where=current)),
        "schooling": lambda: fen(t.schooling_self_paid.fill_null(0).sum(where=current)),
    }
    return t.group_by("household_id").aggregate(**{f"incomes__{n}": parts[n]() for n in sorted(needed)})


# --- household-level feeds ----------------------------------------------------------------------------------


def _feed_parts(ctx: Context, source: str, t: ir.Table) -> dict[str, Callable[[], ir.Value]]:
    p, w = ctx.params, ctx.window
    if source == "health":
        cur = _in_window(t.settlement_date, w)
        return {
            "oop": lambda: fen(_f(t.out_of_pocket).sum(where=cur)),
            "oop_max": lambda: fen(_f(t.out_of_pocket).max(where=cur)),
            "rows": lambda: t.count(where=cur),
        }
    if source == "civil_affairs":
        new = t.status.isin(p.relief_new_statuses) | t.status.isnull()
        hit = _in_window(t.start_date, w) & t.assistance_type.isin(p.relief_types) & new
        return {"relief_new": lambda: t.count(where=hit)}
    if source == "human_resources":
        hit = _in_window(t.event_date, w) & t.event_type.isin(p.job_events)
        return {"job_events": lambda: t.count(where=hit)}
    if source == "housing":
        cur = _in_window(t.appraisal_date, w)
        return {"grade_key": lambda: _key(t.appraisal_date, t.grade).max(where=cur)}
    if source == "disaster":
        cur = _in_window(t.disaster_date, w)
        water = _ranked(t.drinking_water, p.water_rank)
        return {
            "loss": lambda: fen(_f(t.loss_amount).sum(where=cur)),
            "water_key": lambda: _key(t.disaster_date, water).max(where=cur),
        }
    if source == "finance":
        hit = _in_window(t.event_date, w) & (t.record_type == p.arrears_type)
        return {"arrears": lambda: fen(_f(t.amount).max(where=hit))}
    raise KeyError(source)


def feed_stage(ctx: Context, source: str, needed: Collection[str]) -> ir.Table | None:
    """One group-by of a household-level feed; None when the feed has no file in the window."""
    t = ctx.feed(source)
    if t is None:
        return None
    parts = _feed_parts(ctx, source, t)
    return t.group_by("household_id").aggregate(**{f"{source}__{n}": parts[n]() for n in sorted(needed)})


def village_water_stage(ctx: Context) -> ir.Table | None:
    """Drinking-water status reported for whole villages (disaster rows without a household)."""
    t = ctx.inputs.feeds.get("disaster")
    if t is None:
        return None
    t = t.filter(t.household_id.isnull(), t.village_code.notnull(), _in_window(t.disaster_date, ctx.window))
    water = _ranked(t.drinking_water, ctx.params.water_rank)
    return t.group_by("village_code").aggregate(village__water_key=_key(t.disaster_date, water).max())
