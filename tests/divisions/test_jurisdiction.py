import pytest

from fangpin.accounts.roles import Role
from fangpin.divisions.codes import InvalidDivisionCode, Level, code_range, level_of, parent_code
from fangpin.divisions.jurisdiction import scope_for
from fangpin.registry.selectors import households_visible_to
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("450000000000", Level.PROVINCE, None),
        ("450100000000", Level.CITY, "450000000000"),
        ("450123000000", Level.COUNTY, "450100000000"),
        ("450123100000", Level.TOWNSHIP, "450123000000"),
        ("450123100201", Level.VILLAGE, "450123100000"),
    ],
)
def test_the_level_and_parent_follow_from_the_code(code, level, parent):
    assert level_of(code) == level
    assert parent_code(code) == parent


@pytest.mark.parametrize("code", ["45012310020", "4501231002011", "45012310020a", "000000000000", ""])
def test_malformed_codes_are_refused(code):
    with pytest.raises(InvalidDivisionCode):
        level_of(code)


def test_a_township_range_covers_its_villages_and_nothing_else():
    low, high = code_range("450123100000")
    assert low <= "450123100201" <= high
    assert not low <= "450123101201" <= high


def test_each_role_sees_exactly_its_own_subtree(households, users):
    def seen(user):
        return set(households_visible_to(user).values_list("number", flat=True))

    assert seen(users[Role.COUNTY]) == {h.number for h in households.values()}
    assert seen(users[Role.TOWNSHIP]) == {households[k].number for k in ("a1", "a1b", "a2")}
    assert seen(users[Role.VILLAGE]) == {households[k].number for k in ("a1", "a1b")}
    for role in (Role.DEPARTMENT, Role.SOCIAL, Role.ANALYST):
        assert seen(users[role]) == set()


def test_a_user_without_a_division_sees_nothing_rather_than_everything(households):
    nobody = UserFactory(username="lost", role=Role.COUNTY, division=None)
    assert scope_for(nobody).is_empty
    assert not households_visible_to(nobody).exists()


def test_an_inactive_user_sees_nothing(households, users):
    user = users[Role.COUNTY]
    user.is_active = False
    assert not households_visible_to(user).exists()
