import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangpin.core.spreadsheet import neutralise_formula, neutralise_formulas


@pytest.mark.parametrize(
    "text", ["=1+1", "+86 123", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']
)
def test_text_a_spreadsheet_could_run_as_a_formula_gets_a_leading_apostrophe(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["张三", "1234.50", "", " =1+1", "a=b", "'=1"])
def test_other_text_is_left_alone(text):
    assert neutralise_formula(text) == text


def test_the_vectorised_version_keeps_nulls_and_neutralises_each_risky_cell():
    result = neutralise_formulas(pa.array(["=1+1", None, "张三", "-5"]))
    assert result.to_pylist() == ["'=1+1", None, "张三", "'-5"]


def test_the_vectorised_version_accepts_chunked_and_large_string_arrays():
    chunked = pa.chunked_array([pa.array(["@x"], pa.large_string()), pa.array(["y"], pa.large_string())])
    assert neutralise_formulas(chunked).to_pylist() == ["'@x", "y"]


@given(st.lists(st.text(max_size=8) | st.none(), max_size=20))
def test_the_vectorised_version_agrees_with_the_scalar_one(values):
    expected = [None if v is None else neutralise_formula(v) for v in values]
    assert neutralise_formulas(pa.array(values, pa.string())).to_pylist() == expected
