"""Indonesian phone numbers to +62...: the shared vectors and the three spellings of one number."""

import json
from pathlib import Path

import pytest

from sync.phone import normalize_phone

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "phone.json").read_text())


@pytest.mark.parametrize("case", VECTORS["normalize"], ids=[case["name"] for case in VECTORS["normalize"]])
def test_normalize_vector(case):
    assert normalize_phone(case["input"]) == case["expect"]


@pytest.mark.parametrize("number", ["+6281234567890", "+62811234567", "+6285712345678", "+62895123456789"])
def test_the_three_spellings_of_a_mobile_are_one_number(number):
    national = number[3:]
    spellings = ["0" + national, "62" + national, number, f"0{national[:3]}-{national[3:7]}-{national[7:]}"]
    assert {normalize_phone(text) for text in spellings} == {number}


def test_normalizing_twice_changes_nothing():
    for case in VECTORS["normalize"]:
        if case["expect"] is not None:
            assert normalize_phone(case["expect"]) == case["expect"]
