"""Decimal quantities as text <-> integer thousandths: the shared vectors and round trips."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.quantity import format_milli, parse_milli, qty_limit_passed, stock_limit_passed

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "quantity.json").read_text())
LIMIT = 10**18 - 1  # "999999999999999.999" in thousandths


def cases(group):
    return pytest.mark.parametrize("case", VECTORS[group], ids=[case["name"] for case in VECTORS[group]])


@cases("parse")
def test_parse_vector(case):
    assert parse_milli(case["input"]) == case["expect"]


@cases("format")
def test_format_vector(case):
    assert format_milli(case["input"]) == case["expect"]


@cases("canonical")
def test_canonical_vector(case):
    assert format_milli(parse_milli(case["input"])) == case["expect"]


@cases("large")
def test_large_vector(case):
    assert parse_milli(case["input"]) == int(case["expect"])
    assert format_milli(int(case["expect"])) == case["input"]


@cases("qty_limit")
def test_qty_limit_vector(case):
    assert qty_limit_passed(parse_milli(case["input"])) == case["expect"]


@cases("stock_limit")
def test_stock_limit_vector(case):
    assert stock_limit_passed(int(case["input"])) == case["expect"]


def test_json_numbers_in_vectors_are_exact_in_javascript():
    numbers = [c["expect"] for c in VECTORS["parse"] if isinstance(c["expect"], int)]
    numbers += [c["input"] for c in VECTORS["format"]]
    assert all(abs(n) <= 2**53 - 1 for n in numbers)


@given(st.integers(-LIMIT, LIMIT))
def test_format_then_parse_is_the_identity(milli):
    text = format_milli(milli)
    assert parse_milli(text) == milli
    assert format_milli(parse_milli(text)) == text


@given(st.integers(-LIMIT, LIMIT))
def test_formatted_text_is_canonical(milli):
    text = format_milli(milli)
    whole, _, frac = text.lstrip("-").partition(".")
    assert whole == "0" or not whole.startswith("0")
    assert not frac.endswith("0") and len(frac) <= 3
    assert text != "-0" and (text.startswith("-") == (milli < 0))


@given(st.booleans(), st.text("0123456789", min_size=1, max_size=15), st.text("0123456789", max_size=3))
def test_every_spelling_parses_to_its_value(negative, whole, frac):
    text = ("-" if negative else "") + whole + ("." + frac if frac else "")
    value = int(whole) * 1000 + int(frac.ljust(3, "0"))
    assert parse_milli(text) == (-value if negative else value)


@given(st.integers(-LIMIT, LIMIT), st.sampled_from(["0", "00", "000"]))
def test_trailing_zeros_do_not_change_the_value(milli, zeros):
    text = format_milli(milli)
    padded = text + zeros if "." in text else text + "." + zeros
    if len(padded.partition(".")[2]) <= 3:
        assert parse_milli(padded) == milli
    else:
        assert parse_milli(padded) is None


@given(st.floats(allow_nan=True) | st.integers() | st.none() | st.booleans() | st.lists(st.text(), max_size=2))
def test_anything_but_a_string_is_not_a_quantity(value):
    assert parse_milli(value) is None


def test_a_text_too_long_to_be_a_quantity_is_refused_and_not_remembered():
    from sync.quantity import _parse_text

    before = _parse_text.cache_info().currsize
    assert parse_milli("1" * 100_000) is None
    assert _parse_text.cache_info().currsize == before
