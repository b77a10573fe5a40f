"""The summary printed after a county is simulated, accumulated chunk by chunk so that a million households
never have to sit in memory at once.
"""

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangpin.registry.codes import MonitoringStatus, RiskType
from fangpin.simulation.generate import CATEGORY_CODES, SHOCK_TYPES, CountyChunk

# The generator is free of Django, so its codes get their readable names here, where the summary is printed.
_SHOCK_LABELS = {
    "illness": gettext_lazy("illness"),
    "disability": gettext_lazy("disability"),
    "accident": gettext_lazy("accident"),
    "death_of_earner": gettext_lazy("death of an earner"),
    "disaster": gettext_lazy("natural disaster"),
    "business_failure": gettext_lazy("business failure"),
    "job_loss": gettext_lazy("job loss"),
    "school_costs": gettext_lazy("school costs"),
}
# The English names of docs/glossary.md; reading Category.name_en would cost a query for a printed summary.
_CATEGORY_LABELS = {
    "unstable-formerly-poor": gettext_lazy("unstable formerly poor household"),
    "marginal": gettext_lazy("marginal household prone to poverty"),
    "sudden-hardship": gettext_lazy("household in sudden severe hardship"),
}


@dataclass(frozen=True)
class CountySummary:
    households: int
    people: int
    line_yuan: float
    mean_income_pc: (
        float  # mean over households of income per person over the 12 months ending the last month
    )
    share_below_line: float  # share of households below the line in the last month
    shocks_by_type: dict[str, int]
    ever_monitored: int
    monitored: int
    eliminated: int
    category_shares: dict[str, float]  # among ever-monitored households
    illness_share_of_first_risks: float  # among ever-monitored households

    @property
    def mean_household_size(self) -> float:
        return self.people / self.households if self.households else 0.0

    @property
    def ever_monitored_share(self) -> float:
        return self.ever_monitored / self.households if self.households else 0.0

    @property
    def eliminated_share(self) -> float:
        return self.eliminated / self.ever_monitored if self.ever_monitored else 0.0

    def lines(self) -> list[str]:
        shocks = ", ".join(f"{_SHOCK_LABELS.get(t, t)} {n:,}" for t, n in self.shocks_by_type.items())
        categories = ", ".join(
            f"{_CATEGORY_LABELS.get(c, c)} {share:.0%}" for c, share in self.category_shares.items()
        )
        return [
            _("Households: %(households)s; people: %(people)s (%(size).2f a household).")
            % {
                "households": f"{self.households:,}",
                "people": f"{self.people:,}",
                "size": self.mean_household_size,
            },
            _("Mean income per person over the last 12 months: %(income)s yuan.")
            % {"income": f"{self.mean_income_pc:,.0f}"},
            _("Below the line of %(line)s yuan in the last month: %(share).1f%% of households.")
            % {"line": f"{self.line_yuan:,.0f}", "share": 100 * self.share_below_line},
            _("Shocks: %(shocks)s.") % {"shocks": shocks},
            _("Ever monitored: %(n)s households (%(share).1f%%): %(categories)s.")
            % {
                "n": f"{self.ever_monitored:,}",
                "share": 100 * self.ever_monitored_share,
                "categories": categories,
            },
            _("Risk eliminated: %(eliminated)s (%(share).1f%%); still monitored: %(monitored)s.")
            % {
                "eliminated": f"{self.eliminated:,}",
                "share": 100 * self.eliminated_share,
                "monitored": f"{self.monitored:,}",
            },
            _("Illness as the first risk: %(share).1f%% of monitored households.")
            % {"share": 100 * self.illness_share_of_first_risks},
        ]


class SummaryAccumulator:
    """Add each chunk as it is generated; `result()` gives the county's summary at any point."""

    def __init__(self, line_yuan: float) -> None:
        self.line_yuan = line_yuan
        self._households = 0
        self._people = 0
        self._income_sum = 0.0
        self._below = 0
        self._shocks = dict.fromkeys(SHOCK_TYPES, 0)
        self._status = dict.fromkeys([s.value for s in MonitoringStatus], 0)
        self._categories = dict.fromkeys(CATEGORY_CODES, 0)
        self._illness_first = 0

    def add(self, chunk: CountyChunk) -> None:
        self._households += chunk.households.num_rows
        self._people += chunk.members.num_rows
        truth = chunk.ground_truth
        if truth.num_rows:
            last = truth.filter(pc.equal(truth["month"], pc.max(truth["month"])))["income_pc_12m"]
            self._income_sum += pc.sum(last).as_py() or 0.0
            self._below += pc.sum(pc.less(last, self.line_yuan).cast(pa.int64())).as_py() or 0
        for row in chunk.shocks["shock_type"].value_counts().to_pylist():
            self._shocks[row["values"]] = self._shocks.get(row["values"], 0) + row["counts"]
        for row in chunk.households["status"].value_counts().to_pylist():
            self._status[row["values"]] = self._status.get(row["values"], 0) + row["counts"]
        for row in chunk.households["category_code"].drop_null().value_counts().to_pylist():
            self._categories[row["values"]] = self._categories.get(row["values"], 0) + row["counts"]
        risks = chunk.households["risk_codes"]
        first = pc.list_element(risks.filter(pc.greater(pc.list_value_length(risks), 0)), 0)
        self._illness_first += pc.sum(pc.equal(first, RiskType.ILLNESS.value).cast(pa.int64())).as_py() or 0

    def result(self) -> CountySummary:
        ever = sum(self._categories.values())
        return CountySummary(
            households=self._households,
            people=self._people,
            line_yuan=self.line_yuan,
            mean_income_pc=self._income_sum / self._households if self._households else 0.0,
            share_below_line=self._below / self._households if self._households else 0.0,
            shocks_by_type=dict(self._shocks),
            ever_monitored=ever,
            monitored=self._status[MonitoringStatus.MONITORED.value],
            eliminated=self._status[MonitoringStatus.ELIMINATED.value],
            category_shares={c: n / ever if ever else 0.0 for c, n in self._categories.items()},
            illness_share_of_first_risks=self._illness_first / ever if ever else 0.0,
        )
