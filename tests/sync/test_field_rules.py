"""The field rules of the shared vectors (tests/vectors/fields.json) hold for sync/records.py:
what the phone refuses before queuing (pwa/src/rules.js) is what the server refuses."""

import json
from pathlib import Path

import pytest

from sync.records import ENTITIES, OpError, validate_fields

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "fields.json").read_text())
ENTITY_ID = "0b5c3f1e-7a2d-4c8e-9f10-2a3b4c5d6e7f"


def problems(entity, fields):
    """{field: code} of every bad field, as the vectors write them."""
    try:
        validate_fields(entity, ENTITY_ID, fields)
    except OpError as exc:
        if exc.code == "out_of_range":  # every bad field only passed a limit: named in the details
            return {exc.details["field"].split("[")[0]: "out_of_range"}
        return {name: code for name, (code, _params) in exc.fields.items()}
    return {}


@pytest.mark.parametrize("case", VECTORS["validate"], ids=[case["name"] for case in VECTORS["validate"]])
def test_field_rule_vector(case):
    assert problems(case["input"]["entity"], case["input"]["fields"]) == case["expect"]


@pytest.mark.parametrize("case", VECTORS["entities"], ids=[case["name"] for case in VECTORS["entities"]])
def test_the_fields_an_op_may_set_are_the_vectors(case):
    assert list(ENTITIES[case["input"]]["fields"]) == case["expect"]["fields"]


def test_every_entity_has_a_fields_vector():
    assert [case["input"] for case in VECTORS["entities"]] == list(ENTITIES)
