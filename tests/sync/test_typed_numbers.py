"""The shared vectors of numbers as people type them (tests/vectors/typed_numbers.json).

The reader is the PWA's (pwa/src/quantity.js readTyped, run over these vectors by
tests/pwa/typed_numbers.test.mjs): the server takes quantities as canonical text only. Here: the
file's shape, every expected value and reading is canonical for sync/quantity.py, and the CSV
loader (server/cli/load.py, which reads a `;` file the Indonesian way) agrees with the phone on every
Indonesian number the phone reads without asking.
"""

import json
from pathlib import Path

import pytest

from server.cli.load import parse_decimal
from sync.quantity import format_milli, parse_milli

CASES = json.loads((Path(__file__).parents[1] / "vectors" / "typed_numbers.json").read_text())["typed"]
REASONS = {"empty", "not_a_number", "negative", "groups", "two_points", "decimals", "too_long"}


def canonical(text):
    milli = parse_milli(text)
    return milli is not None and format_milli(milli) == text


@pytest.mark.parametrize("case", CASES, ids=[f"{c['lang']} {c['text']!r}" for c in CASES])
def test_case_shape(case):
    assert set(case) <= {"name", "text", "lang", "expect", "readings", "reason"}
    assert isinstance(case["text"], str) and case["lang"] in ("id", "en") and case["name"]
    if case["expect"] == "ambiguous":
        smaller, larger = case["readings"]
        assert canonical(smaller) and canonical(larger) and parse_milli(smaller) < parse_milli(larger)
    elif case["expect"] == "invalid":
        assert case["reason"] in REASONS
    else:
        assert canonical(case["expect"]) and "readings" not in case and "reason" not in case


def test_both_languages_and_all_answers_are_covered():
    seen = {(c["lang"], c["expect"] if c["expect"] in ("ambiguous", "invalid") else "value") for c in CASES}
    assert seen == {(lang, kind) for lang in ("id", "en") for kind in ("value", "ambiguous", "invalid")}
    assert len({(c["text"], c["lang"]) for c in CASES}) == len(CASES)


READ_IN_INDONESIAN = [c for c in CASES if c["lang"] == "id" and c["expect"] not in ("ambiguous", "invalid")]


@pytest.mark.parametrize("case", READ_IN_INDONESIAN, ids=lambda c: repr(c["text"]))
def test_csv_loader_reads_indonesian_numbers_as_the_phone_does(case):
    assert parse_decimal(case["text"].strip(), semicolon=True) == case["expect"]
