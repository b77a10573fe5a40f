"""What a screening run reads: the registry snapshot and the files of the feed batches imported completely.

`feed_files` is the one ORM read (which batches are done); the tables themselves are opened by engine.py.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ibis.expr.types as ir

from fangpin.core.dates import add_months
from fangpin.feeds import store
from fangpin.feeds.models import BatchStatus, FeedBatch

# Feed sources the indicators read (src/fangpin/feeds/schemas/*.yaml).
FEED_SOURCES = (
    "health",
    "education_dropout",
    "civil_affairs",
    "public_security",
    "disability",
    "human_resources",
    "housing",
    "disaster",
    "finance",
)
SNAPSHOT_TABLES = ("households", "members", "incomes")


@dataclass(frozen=True)
class ScreeningInputs:
    households: ir.Table
    members: ir.Table
    incomes: ir.Table
    feeds: Mapping[str, ir.Table | None] = field(default_factory=dict)  # source → rows, None without a file


@dataclass(frozen=True)
class FeedFiles:
    """The done batches' Parquet files of each source within a window, and what the window lacks."""

    months: tuple[dt.date, ...]  # first days of the window's months, oldest first
    files: Mapping[str, tuple[Path, ...]]
    batch_ids: Mapping[str, tuple[int, ...]]  # recorded by a run as the evidence behind its values
    missing_months: Mapping[str, tuple[dt.date, ...]]  # months no done batch of the source covers

    @property
    def is_complete(self) -> bool:
        return not any(self.missing_months.values())

    def batches_json(self) -> dict[str, list[int]]:
        """{source: [batch id, ...]} of the sources with data, for a run's record."""
        return {source: list(ids) for source, ids in self.batch_ids.items() if ids}

    def missing_json(self) -> list[list]:
        """[[source, ["YYYY-MM", ...]], ...] of the sources missing months, for a run's record."""
        return [
            [source, [f"{m:%Y-%m}" for m in months]]
            for source, months in self.missing_months.items()
            if months
        ]


def feed_files(*, as_of: dt.date, months: int = 12, sources: tuple[str, ...] = FEED_SOURCES) -> FeedFiles:
    window = window_months(as_of=as_of, months=months)
    first, last = window[0], window[-1]
    batches = (
        FeedBatch.objects.filter(status=BatchStatus.DONE, schema__source__in=sources)
        .exclude(period_end__lt=first)
        .exclude(period_start__gt=last)
        .values_list("pk", "schema__source", "period_start", "period_end")
        .order_by("pk")
    )
    files: dict[str, list[Path]] = {s: [] for s in sources}
    ids: dict[str, list[int]] = {s: [] for s in sources}
    covered: dict[str, set[dt.date]] = {s: set() for s in sources}
    wanted = {f"period={m:%Y%m}" for m in window}
    for batch_id, source, start, end in batches:
        paths = [p for p in store.batch_files(source=source, batch_id=batch_id) if p.parent.name in wanted]
        if start is not None and end is not None:
            covered[source].update(m for m in window if start <= m <= end)
        if paths:
            files[source] += paths
            ids[source].append(batch_id)
    return FeedFiles(
        months=tuple(window),
        files={s: tuple(files[s]) for s in sources},
        batch_ids={s: tuple(ids[s]) for s in sources},
        missing_months={s: tuple(m for m in window if m not in covered[s]) for s in sources},
    )


def window_months(*, as_of: dt.date, months: int = 12) -> list[dt.date]:
    """First days of the `months` months ending with the month of `as_of`, oldest first."""
    start = add_months(as_of.replace(day=1), -(months - 1))
    return [add_months(start, i) for i in range(months)]
