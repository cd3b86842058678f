"""The op rules of sync/ops.py as specifications: what an op does to a stored record, what it may
not do, and what follows it. The merge vectors (tests/vectors) hold for them as for sync/merge.py."""

import json
from pathlib import Path

import pytest

from sync import ops
from sync.hlc import format_hlc
from sync.quantity import STOCK_LIMIT_MILLI
from sync.records import DECISIONS, DEVICE_STATUSES, OpError

VECTORS = Path(__file__).parents[1] / "vectors"
MERGE = json.loads((VECTORS / "merge.json").read_text())
QUANTITY = json.loads((VECTORS / "quantity.json").read_text())
T = 1764230400000
EARLY, LATE, LATER = (format_hlc(T + ms, 0, "a") for ms in (1, 2, 3))
PRODUCER_ID = "0b5c3f1e-7a2d-4c8e-9f10-2a3b4c5d6e7f"
DESA, OTHER_DESA = "32.04.10.2001", "32.04.11.2001"
PHONE, OTHER_PHONE = "+6281234567890", "+6281298765432"


def cases(vectors, group):
    return pytest.mark.parametrize("case", vectors[group], ids=[case["name"] for case in vectors[group]])


def refused(call, *args):
    """The OpError a rule raises."""
    with pytest.raises(OpError) as info:
        call(*args)
    return info.value


def product(**values):
    return {"id": "p", "producer_id": PRODUCER_ID, "status": "draft", **values}


# -- the merge vectors, through the op rules ------------------------------------------------------


@cases(MERGE, "resubmit")
def test_an_edit_of_a_product_follows_the_resubmit_vector(case):
    given = case["input"]
    change = ops.edit("product", given["current"], given["hlcs"], False, given["fields"], given["hlc"])
    losers = [[name, value, winner] for reason, name, value, winner in change.conflicts if reason == "lost_to_later"]
    assert {"changed": change.changed, "hlcs": change.hlcs, "losers": losers} == case["expect"]
    assert len(losers) == len(change.conflicts)


@cases(MERGE, "upsert")
def test_an_edit_of_a_producer_follows_the_upsert_vector(case):
    given = case["input"]
    change = ops.edit("producer", given["current"], given["hlcs"], False, given["fields"], given["hlc"])
    losers = [[name, value, winner] for _, name, value, winner in change.conflicts]
    assert {"changed": change.changed, "hlcs": change.hlcs, "losers": losers} == case["expect"]


@cases(MERGE, "deleted")
def test_an_edit_of_a_deleted_record_follows_the_deleted_vector(case):
    given = case["input"]
    hlcs = {"name": EARLY, "_deleted": given["deleted_hlc"]}
    for entity in ("producer", "product"):
        change = ops.edit(entity, product(), hlcs, True, given["fields"], LATER)
        assert [["deleted", *loser] for loser in case["expect"]] == [list(c) for c in change.conflicts]
        assert change.changed == {} and change.hlcs == hlcs and not change.cascade


@cases(MERGE, "review")
def test_a_review_follows_the_review_vector(case):
    given = case["input"]
    change = ops.review_edit(given["current"], given["hlcs"], given["decision"], given["hlc"], "")
    assert {"changed": change.changed, "hlcs": change.hlcs} == case["expect"]
    assert change.conflicts == []


@cases(MERGE, "sequence")
def test_edits_and_reviews_follow_the_sequence_vector(case):
    values, hlcs = dict(case["input"]["values"]), dict(case["input"]["hlcs"])
    values.setdefault("producer_id", PRODUCER_ID)
    for step in case["input"]["steps"]:
        if "review" in step:
            change = ops.review_edit(values, hlcs, step["review"], step["hlc"], "")
        else:
            change = ops.edit("product", values, hlcs, False, step["upsert"], step["hlc"])
        values, hlcs = {**values, **change.changed}, change.hlcs
    del values["producer_id"]
    assert {"values": values, "hlcs": hlcs} == case["expect"]


@cases(MERGE, "immutable")
def test_a_record_sent_again_follows_the_immutable_vector(case):
    given = case["input"]
    if case["expect"]:
        assert ops.sent_again(given["existing"], given["fields"]) == "duplicate"
    else:
        assert refused(ops.sent_again, given["existing"], given["fields"]).code == "immutable"


@cases(QUANTITY, "stock_limit")
def test_a_movement_keeps_stock_within_the_stock_limit_vector(case):
    stock = int(case["input"])
    for qty in (stock, 1, -1):  # the total is what is judged, however it is reached
        if case["expect"] is None:
            assert ops.stock_after(stock - qty, qty) == stock
        else:
            error = refused(ops.stock_after, stock - qty, qty)
            assert (error.code, error.details) == ("out_of_range", {"field": "stock_on_hand", "limit": case["expect"]})


# -- what an upsert does to a stored record ----------------------------------------------------


def test_the_later_clock_wins_and_the_earlier_value_is_kept_as_a_conflict():
    between = format_hlc(T + 1, 1, "b")  # after EARLY, before LATE
    stored, hlcs = product(name="A", price_idr=1), {"name": LATE, "price_idr": EARLY}
    change = ops.edit("product", stored, hlcs, False, {"name": "B", "price_idr": 2}, between)
    assert change.changed == {"price_idr": 2}
    assert change.conflicts == [("lost_to_later", "name", "B", LATE)]


def test_the_stored_values_and_clocks_are_left_alone():
    values, hlcs = product(name="A"), {"name": EARLY}
    ops.edit("product", values, hlcs, False, {"name": "B"}, LATE)
    ops.review_edit(values, hlcs, "approved", LATE, LATER)
    assert values == product(name="A") and hlcs == {"name": EARLY}


def test_a_product_keeps_its_producer():
    error = refused(ops.edit, "product", product(), {}, False, {"producer_id": "another"}, LATE)
    assert (error.code, error.fields) == ("validation_error", {"producer_id": ("immutable", {})})
    assert ops.edit("product", product(), {}, False, {"producer_id": PRODUCER_ID}, LATE).changed == {}


def test_an_edit_of_an_approved_product_sends_it_back_to_review():
    change = ops.edit("product", product(status="approved", name="A"), {"status": EARLY}, False, {"name": "B"}, LATE)
    assert change.changed == {"name": "B", "status": "submitted"}
    assert change.hlcs["status"] == LATE


def test_a_producer_is_never_resubmitted():
    change = ops.edit("producer", {"status": "approved", "name": "A"}, {}, False, {"name": "B"}, LATE)
    assert change.changed == {"name": "B"}


@pytest.mark.parametrize(
    "fields, cascade",
    [
        ({"village_code": OTHER_DESA}, True),
        ({"phone": OTHER_PHONE}, True),
        ({"village_code": DESA, "phone": PHONE}, False),  # the same again: nothing moves
        ({"name": "Tani Makmur"}, False),
    ],
)
def test_a_producer_that_moves_desa_or_changes_phone_takes_its_children_along(fields, cascade):
    stored = {"id": PRODUCER_ID, "name": "Tani", "village_code": DESA, "phone": PHONE}
    assert ops.edit("producer", stored, {}, False, fields, LATE).cascade is cascade
    assert ops.CHILDREN == ("product", "stock_movement", "review")


def test_a_move_that_loses_to_a_later_one_takes_nothing_along():
    stored = {"id": PRODUCER_ID, "village_code": DESA}
    change = ops.edit("producer", stored, {"village_code": LATER}, False, {"village_code": OTHER_DESA}, LATE)
    assert not change.cascade and change.conflicts == [("lost_to_later", "village_code", OTHER_DESA, LATER)]


def test_a_product_edit_takes_nothing_along():
    assert not ops.edit("product", product(), {}, False, {"name": "B"}, LATE).cascade


def test_an_edit_with_nothing_new_is_an_empty_edit():
    assert ops.edit("product", product(name="A"), {"name": LATE}, False, {"name": "A"}, LATE) == ops.Edit(
        hlcs={"name": LATE}
    )


# -- creating, deleting ---------------------------------------------------------------------------


def test_a_new_record_holds_every_field_its_defaults_and_the_op_clock_on_each_field_sent():
    fields = {"producer_id": PRODUCER_ID, "name": "Kopi", "category": "coffee", "unit": "kg"}
    names = ("id", "producer_id", "name", "category", "unit", "status", "photos", "certifications", "price_idr")
    values, hlcs = ops.new_record("product", "p", fields, LATE, names)
    defaults = {"status": "draft", "certifications": [], "photos": []}
    assert values == {**dict.fromkeys(names), **defaults, **fields, "id": "p"}
    assert values["photos"] is not ops.new_record("product", "q", fields, LATE, names)[0]["photos"]
    assert hlcs == dict.fromkeys(fields, LATE)
    assert ops.new_record("product", "p", {**fields, "status": "submitted"}, LATE, names)[0]["status"] == "submitted"


def test_a_new_record_needs_its_required_fields():
    error = refused(ops.new_record, "producer", "p", {"name": "Tani"}, LATE, ("id",))
    assert (error.code, error.fields) == (
        "validation_error",
        {"village_code": ("required", {}), "kind": ("required", {})},
    )
    error = refused(ops.require_fields, "review", {"product_id": "p", "decision": None})
    assert error.fields == {"decision": ("required", {})}
    ops.require_fields("stock_movement", {"product_id": "p", "qty": "1", "kind": "harvest", "occurred_at": "t"})


def test_a_delete_stamps_the_record_once():
    assert ops.deleted_hlcs({"name": EARLY}, False, LATE) == {"name": EARLY, "_deleted": LATE}
    assert ops.deleted_hlcs({"name": EARLY, "_deleted": EARLY}, True, LATE) is None


@pytest.mark.parametrize("entity", ["stock_movement", "review"])
@pytest.mark.parametrize("role", ["producer", "facilitator", "admin"])
def test_movements_and_reviews_are_never_deleted(entity, role):
    assert refused(ops.check_delete, entity, role).code == "immutable"


@pytest.mark.parametrize("check", [ops.check_create, ops.check_delete])
def test_a_producer_account_neither_registers_nor_deletes_producers(check):
    error = refused(check, "producer", "producer")
    assert (error.code, error.details) == ("forbidden", {"reason": "registered_by_facilitator"})
    check("producer", "facilitator")
    check("producer", "admin")
    check("product", "producer")


# -- what no account may do, and what a producer account may not ---------------------------------


@pytest.mark.parametrize("status", [None, *DEVICE_STATUSES])
def test_a_device_sets_draft_or_submitted(status):
    ops.check_upsert("product", {"status": status} if status else {}, "producer")


@pytest.mark.parametrize("status", DECISIONS)
def test_only_a_review_sets_a_decision(status):
    for role in ("producer", "facilitator", "admin"):
        error = refused(ops.check_upsert, "product", {"status": status}, role)
        assert (error.code, error.details) == ("forbidden", {"reason": "status_set_by_review"})


@pytest.mark.parametrize("role", ["producer", "facilitator"])
def test_only_an_admin_reviews(role):
    error = refused(ops.check_upsert, "review", {"decision": "approved"}, role)
    assert (error.code, error.details) == ("forbidden", {"reason": "admins_review"})
    ops.check_upsert("review", {"decision": "approved"}, "admin")


def test_a_producer_lies_in_a_desa_the_regions_table_holds():
    ops.check_region({"village_code": DESA}, {DESA})
    ops.check_region({"name": "Tani"}, set())
    error = refused(ops.check_region, {"village_code": OTHER_DESA}, {DESA})
    assert error.fields == {"village_code": ("unknown_region", {"code": OTHER_DESA})}


def in_own_desa(code):
    return code == DESA


def test_a_producer_account_keeps_its_record_in_its_own_desa():
    ops.check_own_edit(OTHER_DESA, PHONE, {"village_code": DESA}, PHONE, in_own_desa)  # back home
    ops.check_own_edit(OTHER_DESA, PHONE, {"village_code": OTHER_DESA}, PHONE, in_own_desa)  # where it is
    error = refused(ops.check_own_edit, DESA, PHONE, {"village_code": OTHER_DESA}, PHONE, in_own_desa)
    assert (error.code, error.details) == ("forbidden", {"reason": "own_desa"})


def test_a_producer_account_keeps_its_record_on_its_own_phone():
    ops.check_own_edit(DESA, OTHER_PHONE, {"phone": OTHER_PHONE}, PHONE, in_own_desa)  # the record's own
    ops.check_own_edit(DESA, None, {"phone": PHONE}, PHONE, in_own_desa)  # the account's
    error = refused(ops.check_own_edit, DESA, PHONE, {"phone": OTHER_PHONE}, PHONE, in_own_desa)
    assert (error.code, error.details) == ("forbidden", {"reason": "own_phone"})


# -- reviews, movements ---------------------------------------------------------------------------


def test_a_review_takes_effect_no_earlier_than_the_server_clock():
    change = ops.review_edit(product(status="submitted"), {"status": LATE}, "approved", EARLY, LATER)
    assert change == ops.Edit(changed={"status": "approved"}, hlcs={"status": LATER})


def test_a_review_record_is_stamped_by_the_server():
    fields = {"product_id": "p", "decision": "approved", "reviewer_id": "someone", "at": "then"}
    assert ops.review_record("r", fields, "me", "now") == {
        "id": "r",
        "note": None,
        "product_id": "p",
        "decision": "approved",
        "reviewer_id": "me",
        "at": "now",
    }


def test_stock_reaches_its_limit_but_not_past_it():
    assert ops.stock_after(STOCK_LIMIT_MILLI - 1, 1) == STOCK_LIMIT_MILLI
    assert ops.stock_after(-STOCK_LIMIT_MILLI + 1, -1) == -STOCK_LIMIT_MILLI
    assert refused(ops.stock_after, STOCK_LIMIT_MILLI, 1).details["limit"] == str(STOCK_LIMIT_MILLI // 1000)
