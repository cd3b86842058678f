"""The benchmarks' device sends the bytes the PWA sends (tests/vectors/movement_push.json)."""

import json
from pathlib import Path

import pytest

from tests.bench.device import movement_op, push_text, pwa_time

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "movement_push.json").read_text())


@pytest.mark.parametrize("case", VECTORS["push"], ids=lambda case: case["name"])
def test_a_push_of_movements_is_byte_for_byte_the_pwas(case):
    given = case["input"]
    ops = [
        movement_op(m["entity_id"], m["product_id"], m["kind"], m["amount"], m["at_ms"], m["hlc"], m.get("note"))
        for m in given["movements"]
    ]
    assert push_text(given["device_id"], ops) == case["expect"].encode()


def test_times_are_written_with_milliseconds_as_javascript_writes_them():
    assert pwa_time(1764230400123) == "2025-11-27T08:00:00.123Z"
    assert pwa_time(1764230460000) == "2025-11-27T08:01:00.000Z"
