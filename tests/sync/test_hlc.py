"""Hybrid logical clocks: the shared vectors, and properties of text order and of the clock."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import MAX_COUNTER, Clock, format_hlc, parse_hlc

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "hlc.json").read_text())
T = 1764230400000


def cases(group):
    return pytest.mark.parametrize("case", VECTORS[group], ids=[case["name"] for case in VECTORS[group]])


def sign(a, b):
    return "<" if a < b else ">" if a > b else "="


def run_steps(spec):
    """Play a clock case: a clock with a settable wall clock, one output per step."""
    wall = {"now": spec["now"]}
    clock = Clock(spec["node"], spec["last"], now=lambda: wall["now"])
    outputs = []
    for step in spec["steps"]:
        wall["now"] = step.get("now", wall["now"])
        if step["do"] == "tick":
            outputs.append(clock.tick())
        elif step["do"] == "peek":
            outputs.append(clock.peek())
        elif step["do"] == "observe":
            outputs.append(clock.observe(step["hlc"]))
        elif step["do"] == "guard":
            outputs.append(clock.guard(step["hlc"]))
        else:
            raise AssertionError(f"unknown step {step}")
    return outputs


@cases("parse")
def test_parse_vector(case):
    parsed = parse_hlc(case["input"])
    expect = case["expect"]
    assert parsed == (None if expect is None else (expect["ms"], expect["counter"], expect["node"]))
    if parsed is not None:
        assert format_hlc(*parsed) == case["input"]


@cases("order")
def test_order_vector(case):
    a, b = case["input"]["a"], case["input"]["b"]
    assert sign(a, b) == case["expect"]
    assert sign(parse_hlc(a), parse_hlc(b)) == case["expect"]


@cases("clock")
def test_clock_vector(case):
    assert run_steps(case["input"]) == case["expect"]


@cases("guard")
def test_guard_vector(case):
    assert run_steps(case["input"]) == case["expect"]


def test_vectors_cover_what_the_contract_names():
    names = " ".join(case["name"] for group in VECTORS.values() if isinstance(group, list) for case in group)
    for words in ("rollover", "different magnitude", "59 s ahead is kept", "61 s ahead is re-stamped"):
        assert words in names


def test_clock_restores_from_an_invalid_last_as_new():
    assert Clock("dev", "garbage", now=lambda: T).tick() == format_hlc(T, 0, "dev")


def test_guard_answers_text_that_is_not_an_hlc_unchanged_and_moves_nothing():
    clock = Clock("server", now=lambda: T)
    assert clock.guard("not an hlc") == "not an hlc"
    assert clock.tick() == format_hlc(T, 0, "server")


def test_wall_clock_is_the_default():
    before = Clock("dev").tick()
    assert parse_hlc(before)[0] > T


NODES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", min_size=1, max_size=64)
HLCS = st.tuples(st.integers(0, 10**16 - 1), st.integers(0, MAX_COUNTER), NODES)


@given(HLCS, HLCS)
def test_text_order_is_time_order(a, b):
    assert sign(format_hlc(*a), format_hlc(*b)) == sign(a, b)
    assert sign(format_hlc(a[0], a[1], "n"), format_hlc(b[0], b[1], "n")) == sign(a[:2], b[:2])


@given(HLCS)
def test_format_then_parse_is_the_identity(hlc):
    assert parse_hlc(format_hlc(*hlc)) == hlc


STEPS = st.lists(
    st.tuples(
        st.sampled_from(("tick", "observe", "guard")), st.integers(-120_000, 120_000), st.integers(0, MAX_COUNTER)
    ),
    max_size=30,
)


@given(STEPS)
def test_every_timestamp_is_later_than_all_issued_and_observed(steps):
    wall = {"now": T}
    clock = Clock("dev", now=lambda: wall["now"])
    high = (0, -1)  # the latest (ms, counter) issued or observed
    for action, offset, counter in steps:
        if action == "tick":
            wall["now"] = T + offset
            stamp = parse_hlc(clock.tick())
            assert stamp[:2] > high
            high = stamp[:2]
            continue
        remote = format_hlc(wall["now"] + offset, counter, "other")
        if action == "observe":
            assert clock.observe(remote) is None
            high = max(high, parse_hlc(remote)[:2])
            continue
        guarded = clock.guard(remote)
        if offset > 60_000:
            assert parse_hlc(guarded)[:2] > high  # a re-stamp is a tick of ours
            high = parse_hlc(guarded)[:2]
        else:
            assert guarded == remote
            high = max(high, parse_hlc(remote)[:2])
        assert parse_hlc(clock.peek())[:2] >= high
