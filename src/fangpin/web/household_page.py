"""The household page: the registry's audited file of a household and the case it is in, put together here
because the registry cannot know the cases app (cases builds on the registry)."""

from dataclasses import dataclass

from fangpin.cases.models import Case
from fangpin.cases.selectors import case_latest_closed, case_open_for_household
from fangpin.registry.services import HouseholdFile, household_file_open


@dataclass(frozen=True)
class HouseholdPage:
    file: HouseholdFile
    case: Case | None  # the open case, else the latest closed one, else none


def household_page_open(*, actor, household_id: int) -> HouseholdPage:
    """The household's file (scoped and audited by the registry) with its current or latest case. The case
    needs no scope of its own: a case belongs to its household, which the file has just found visible."""
    file = household_file_open(actor=actor, household_id=household_id)
    pk = file.household.pk
    return HouseholdPage(
        file=file, case=case_open_for_household(household_id=pk) or case_latest_closed(household_id=pk)
    )
