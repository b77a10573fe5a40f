"""The roles of DESIGN.md §1 and what each may do: a plain table, no permission codes scattered in views."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangpin.divisions.codes import Level


class Role(models.TextChoices):
    VILLAGE = "village", _("village cadre")
    TOWNSHIP = "township", _("township officer")
    COUNTY = "county", _("county bureau")
    DEPARTMENT = "department", _("department data officer")
    SOCIAL = "social", _("social organisation")
    ANALYST = "analyst", _("analyst")


# The division level each role is attached to. Department officers, social organisations and analysts work
# county-wide but never browse household files (they see their own feeds, pledges or aggregates).
ROLE_LEVEL = {
    Role.VILLAGE: Level.VILLAGE,
    Role.TOWNSHIP: Level.TOWNSHIP,
    Role.COUNTY: Level.COUNTY,
    Role.DEPARTMENT: Level.COUNTY,
    Role.SOCIAL: Level.COUNTY,
    Role.ANALYST: Level.COUNTY,
}

_SEES_HOUSEHOLDS = {Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY}
_REVEALS_ID_NUMBERS = {Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY}
_EDITS_REGISTRY = {Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY}
_IMPORTS_FEEDS = {Role.DEPARTMENT, Role.COUNTY}
_RESOLVES_MATCHES = {Role.TOWNSHIP, Role.COUNTY}


def can_see_households(role: Role) -> bool:
    return role in _SEES_HOUSEHOLDS


def can_reveal_id_numbers(role: Role) -> bool:
    """May press "show" to read a full ID number (an audited read) within their jurisdiction."""
    return role in _REVEALS_ID_NUMBERS


def can_edit_registry(role: Role) -> bool:
    return role in _EDITS_REGISTRY


def can_import_feeds(role: Role) -> bool:
    """Department data officers send their department's files; the county bureau may import any."""
    return role in _IMPORTS_FEEDS


def can_resolve_matches(role: Role) -> bool:
    """Township officers (and the county) decide which member an ambiguous feed row is about."""
    return role in _RESOLVES_MATCHES
