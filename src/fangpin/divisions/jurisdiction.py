"""Who may see which rows: the one module that decides jurisdiction.

Every list, page, export and API narrows its query through `scope_for(user).filter(...)`. A user without a
division or with a role that sees no household rows gets an empty scope: a missing scope is an empty
result, never "everything".
"""

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, QuerySet

from fangpin.accounts.roles import Role, can_see_households
from fangpin.divisions.codes import code_range

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    low: str | None  # None: sees nothing
    high: str | None

    @property
    def is_empty(self) -> bool:
        return self.low is None

    def covers(self, division_code: str) -> bool:
        return self.low is not None and self.high is not None and self.low <= division_code <= self.high

    def filter(self, queryset: QuerySet[M], *, field: str) -> QuerySet[M]:
        """Rows whose division column `field` (a 12-digit code) lies inside the scope."""
        if self.low is None:
            return queryset.none()
        return queryset.filter(**{f"{field}__gte": self.low, f"{field}__lte": self.high})


NOTHING = Scope(None, None)


def scope_for(user) -> Scope:
    """The household rows `user` may see: their division's subtree, for roles that work with households."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    division_id = getattr(user, "division_id", None)
    if division_id is None or not can_see_households(Role(user.role)):
        return NOTHING
    return Scope(*code_range(division_id))
