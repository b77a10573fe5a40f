import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangpin.registry.id_numbers import (
    InvalidIdNumber,
    check_character,
    is_valid_id_number,
    mask_id_number,
    normalize_id_number,
)

# Published example numbers with a correct check character (GB 11643-1999 appendix style examples).
VALID = ["11010519491231002X", "440524188001010014", "450123198005170034"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass_both_public_functions(number):
    assert is_valid_id_number(number)
    assert normalize_id_number(number) == number


def test_a_final_lowercase_x_normalises_to_upper_case():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert normalize_id_number("  11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "check digit should be X"),  # wrong check digit
        ("11010519490230002X", "not a real date"),  # 30 February
        ("1101051949123100", "has 16"),  # too short
        ("11010519491231002X1", "has 19"),  # too long
        ("99010519491231002X", "not a province code"),  # no such region
        ("1101051949123100AX", "17 digits"),  # letters inside
        ("110105290012310025", "not a possible date"),  # born in the future
        ("", "has 0"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(number, reason):
    assert not is_valid_id_number(number)
    with pytest.raises(InvalidIdNumber, match=reason):
        normalize_id_number(number)


def test_mask_shows_region_prefix_and_last_four_only():
    assert mask_id_number("45012319800517123X") == "4501**********123X"


bodies = st.builds(
    lambda region, birth, order: f"{region}{birth:%Y%m%d}{order:03d}",
    st.sampled_from(["110105", "450123", "620422", "130600"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)),
    st.integers(0, 999),
)


@given(bodies)
def test_every_body_with_its_check_character_is_valid_and_any_other_is_not(body):
    right = check_character(body)
    assert is_valid_id_number(body + right)
    for wrong in set("0123456789X") - {right}:
        assert not is_valid_id_number(body + wrong)


@given(st.text(max_size=30))
def test_the_validator_never_crashes_on_any_text(text):
    assert is_valid_id_number(text) in (True, False)
