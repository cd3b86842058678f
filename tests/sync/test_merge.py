"""Merge rules: the shared vectors, convergence in any arrival order, reviews and resubmission."""

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import format_hlc
from sync.merge import Merge, deleted_losers, merge_upsert, resubmit_if_edited, review_status, same_immutable
from sync.records import REVIEWED_FIELDS

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "merge.json").read_text())
T = 1764230400000


def cases(group):
    return pytest.mark.parametrize("case", VECTORS[group], ids=[case["name"] for case in VECTORS[group]])


def as_json(merge):
    """A Merge as the vectors write it (losers as lists)."""
    return {"changed": merge.changed, "hlcs": merge.hlcs, "losers": [list(loser) for loser in merge.losers]}


def apply_all(values, hlcs, ops):
    """Apply upserts in the given order, as the server does; answers the final (values, hlcs)."""
    values, hlcs = dict(values), dict(hlcs)
    for op in ops:
        merge = merge_upsert(values, hlcs, op["fields"], op["hlc"])
        values.update(merge.changed)
        hlcs = merge.hlcs
    return values, hlcs


@cases("upsert")
def test_upsert_vector(case):
    given_ = case["input"]
    before = json.dumps(given_, sort_keys=True)
    merge = merge_upsert(given_["current"], given_["hlcs"], given_["fields"], given_["hlc"])
    assert as_json(merge) == case["expect"]
    assert json.dumps(given_, sort_keys=True) == before  # the inputs are left alone


@cases("converge")
def test_converge_vector(case):
    given_, expect = case["input"], case["expect"]
    for order in itertools.permutations(given_["ops"]):
        assert apply_all(given_["values"], given_["hlcs"], order) == (expect["values"], expect["hlcs"])


@cases("review")
def test_review_vector(case):
    given_ = case["input"]
    merge = review_status(
        merge_upsert(given_["current"], given_["hlcs"], {}, given_["hlc"]), given_["decision"], given_["hlc"]
    )
    assert {"changed": merge.changed, "hlcs": merge.hlcs} == case["expect"]
    assert merge.losers == []


@cases("resubmit")
def test_resubmit_vector(case):
    given_ = case["input"]
    merge = merge_upsert(given_["current"], given_["hlcs"], given_["fields"], given_["hlc"])
    resubmit_if_edited(merge, given_["current"]["status"], given_["hlc"])
    assert as_json(merge) == case["expect"]


@cases("sequence")
def test_sequence_vector(case):
    values, hlcs = dict(case["input"]["values"]), dict(case["input"]["hlcs"])
    for step in case["input"]["steps"]:
        if "review" in step:
            merge = review_status(merge_upsert(values, hlcs, {}, step["hlc"]), step["review"], step["hlc"])
        else:
            merge = merge_upsert(values, hlcs, step["upsert"], step["hlc"])
            resubmit_if_edited(merge, values.get("status"), step["hlc"])
        values.update(merge.changed)
        hlcs = merge.hlcs
    assert {"values": values, "hlcs": hlcs} == case["expect"]


@cases("deleted")
def test_deleted_vector(case):
    losers = deleted_losers(case["input"]["fields"], case["input"]["deleted_hlc"])
    assert [list(loser) for loser in losers] == case["expect"]


@cases("immutable")
def test_immutable_vector(case):
    assert same_immutable(case["input"]["existing"], case["input"]["fields"]) is case["expect"]


def test_vectors_cover_what_the_contract_names():
    names = {case["name"] for case in VECTORS["resubmit"]}
    assert "editing the name of an approved product sends it back to submitted" in names
    assert "editing the hs_code of an approved product does not" in names
    assert "editing the price of an approved product sends it back to submitted" in names


def test_the_review_rule_and_the_contract_list_the_same_fields():
    assert set(REVIEWED_FIELDS) == {
        "name",
        "description",
        "unit",
        "unit_weight_kg",
        "price_idr",
        "certifications",
        "photos",
    }


@pytest.mark.parametrize("name", REVIEWED_FIELDS)
def test_each_reviewed_field_resubmits_an_approved_product(name):
    hlc = format_hlc(T + 3, 0, "a")
    merge = merge_upsert({"status": "approved", name: "old"}, {}, {name: "new"}, hlc)
    resubmit_if_edited(merge, "approved", hlc)
    assert merge.changed == {name: "new", "status": "submitted"}


@pytest.mark.parametrize("name", ["hs_code", "category", "status", "producer_id"])
def test_other_fields_do_not(name):
    hlc = format_hlc(T + 3, 0, "a")
    merge = merge_upsert({"status": "approved"}, {}, {name: "new"}, hlc)
    resubmit_if_edited(merge, "approved", hlc)
    assert merge.changed == {name: "new"}


def test_merge_defaults_are_empty():
    assert Merge() == Merge(changed={}, hlcs={}, losers=[])


# -- convergence, by property -------------------------------------------------------------------

FIELDS = ("name", "price_idr", "description", "hs_code")
VALUES = st.one_of(
    st.none(), st.integers(0, 3), st.sampled_from(["a", "b", ""]), st.lists(st.integers(0, 2), max_size=2)
)
STAMPS = st.tuples(st.integers(0, 5), st.integers(0, 2), st.sampled_from("abc"))


@st.composite
def upserts(draw):
    """Up to five upserts of one record, each with its own HLC (a device never reuses one)."""
    stamps = draw(st.lists(STAMPS, min_size=1, max_size=5, unique=True))
    return [
        {
            "fields": draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=len(FIELDS))),
            "hlc": format_hlc(T + ms, counter, node),
        }
        for ms, counter, node in stamps
    ]


# A record holds every field (null when never set), as on the server: a missing field counts as null.
START = st.tuples(
    st.fixed_dictionaries(dict.fromkeys(FIELDS, VALUES)),
    st.dictionaries(st.sampled_from(FIELDS), STAMPS.map(lambda s: format_hlc(T + s[0], s[1], "srv"))),
)


@given(START, upserts(), st.randoms(use_true_random=False))
def test_any_arrival_order_converges(start, ops, random):
    values, hlcs = start
    expected = apply_all(values, hlcs, ops)
    for _ in range(3):
        shuffled = list(ops)
        random.shuffle(shuffled)
        assert apply_all(values, hlcs, shuffled) == expected


@given(upserts())
def test_the_latest_write_of_each_field_wins(ops):
    values, hlcs = apply_all(dict.fromkeys(FIELDS), {}, ops)
    for name in FIELDS:
        writes = [(op["hlc"], op["fields"][name]) for op in ops if name in op["fields"]]
        if writes:
            assert (hlcs[name], values[name]) == max(writes, key=lambda write: write[0])
        else:
            assert name not in hlcs and values[name] is None


@given(upserts())
def test_every_write_that_loses_is_a_loser_or_already_there(ops):
    """Applied in reverse time order, every older differing value is reported, never dropped."""
    values, hlcs, losers = dict.fromkeys(FIELDS), {}, []
    for op in sorted(ops, key=lambda op: op["hlc"], reverse=True):
        merge = merge_upsert(values, hlcs, op["fields"], op["hlc"])
        values.update(merge.changed)
        hlcs = merge.hlcs
        losers.extend(merge.losers)
    reported = {(name, json.dumps(value)) for name, value, _ in losers}
    for op in ops:
        for name, value in op["fields"].items():
            if op["hlc"] != hlcs[name] and values[name] != value:
                assert (name, json.dumps(value)) in reported
