"""Record rules: required fields, references, immutable movements, product status and reviews."""

from tests.helpers import make_product, movement_fields, new_id, producer_fields, product_fields


def error_of(device, op):
    result = device.push(op)["results"][0]
    assert result["status"] == "rejected", result
    return result["error"]


def test_creating_without_required_fields_is_a_validation_error(facilitator):
    error = error_of(facilitator, facilitator.op("producer", new_id(), {"name": "Bu Ani"}))
    assert error["code"] == "validation_error"
    assert set(error["details"]["fields"]) == {"village_code", "kind"}


def test_a_village_that_does_not_exist_is_rejected(facilitator):
    error = error_of(facilitator, facilitator.op("producer", new_id(), producer_fields(village_code="32.04.10.9999")))
    assert error["details"]["fields"]["village_code"]["code"] == "unknown_region"


def test_a_product_of_an_unknown_producer_is_unknown_reference(facilitator):
    error = error_of(facilitator, facilitator.op("product", new_id(), product_fields(new_id())))
    assert error["code"] == "unknown_reference"


def test_a_movement_of_an_unknown_product_is_unknown_reference(facilitator):
    error = error_of(facilitator, facilitator.op("stock_movement", new_id(), movement_fields(new_id())))
    assert error["code"] == "unknown_reference"


def test_an_op_depending_on_a_rejected_op_is_unknown_reference(facilitator):
    producer_id, product_id = new_id(), new_id()
    results = facilitator.push(
        facilitator.op("producer", producer_id, {"name": "tanpa desa"}),
        facilitator.op("product", product_id, product_fields(producer_id)),
    )["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[1]["error"]["code"] == "unknown_reference"


def test_the_same_movement_sent_again_is_a_duplicate(facilitator):
    product_id = make_product(facilitator)
    movement_id = new_id()
    first = facilitator.op("stock_movement", movement_id, movement_fields(product_id, "5"))
    again = facilitator.op("stock_movement", movement_id, movement_fields(product_id, "5"))
    assert facilitator.statuses(first, again) == ["applied", "duplicate"]


def test_a_movement_is_found_again_whether_its_id_is_older_or_newer_than_the_newest_stored(facilitator):
    # Stored movements are looked for only up to the highest stored id (server/engine/apply.py).
    product_id = make_product(facilitator)
    oldest, middle, newest = (f"{n:08x}-0000-7000-8000-000000000000" for n in (1, 2**31, 2**32 - 1))

    def movement(movement_id, qty="5"):
        sent = facilitator.op("stock_movement", movement_id, movement_fields(product_id, qty))
        return {**sent, "op_id": movement_id}  # a movement's own id as its op id, as devices send them

    assert facilitator.statuses(movement(middle)) == ["applied"]
    assert facilitator.statuses(movement(oldest), movement(middle), movement(newest)) == [
        "applied",
        "duplicate",
        "applied",
    ]
    assert facilitator.statuses(movement(oldest), movement(newest)) == ["duplicate", "duplicate"]
    assert error_of(facilitator, movement(oldest, "6"))["code"] == "immutable"


def test_a_movement_cannot_be_changed(facilitator):
    product_id = make_product(facilitator)
    movement_id = new_id()
    facilitator.push(facilitator.op("stock_movement", movement_id, movement_fields(product_id, "5")))
    changed = facilitator.op("stock_movement", movement_id, movement_fields(product_id, "6"))
    assert error_of(facilitator, changed)["code"] == "immutable"
    assert error_of(facilitator, facilitator.op("stock_movement", movement_id, action="delete"))["code"] == "immutable"


def test_a_movement_changed_within_its_own_push_is_refused_and_counted_once(facilitator, app):
    from server.engine.models import Product
    from server.extensions import db

    product_id = make_product(facilitator)
    movement_id = new_id()
    first = facilitator.op("stock_movement", movement_id, movement_fields(product_id, "5"))
    changed = facilitator.op("stock_movement", movement_id, movement_fields(product_id, "6"))
    results = facilitator.push(first, changed)["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["error"]["code"] == "immutable"
    with app.app_context():
        assert db.session.get(Product, product_id).stock_milli == 5000


def test_a_float_quantity_is_rejected(facilitator):
    product_id = make_product(facilitator)
    error = error_of(facilitator, facilitator.op("stock_movement", new_id(), movement_fields(product_id, 12.5)))
    assert error["details"]["fields"]["qty"]["code"] == "invalid_decimal"


def test_a_sale_must_take_stock_out(facilitator):
    product_id = make_product(facilitator)
    error = error_of(facilitator, facilitator.op("stock_movement", new_id(), movement_fields(product_id, "3", "sale")))
    assert error["details"]["fields"]["qty"]["code"] == "out_of_range"


def test_devices_may_set_draft_or_submitted_only(facilitator):
    product_id = make_product(facilitator)
    assert facilitator.statuses(facilitator.op("product", product_id, {"status": "submitted"})) == ["applied"]
    error = error_of(facilitator, facilitator.op("product", product_id, {"status": "approved"}))
    assert error["code"] == "forbidden"


def test_only_admins_review(facilitator):
    product_id = make_product(facilitator)
    review = facilitator.op("review", new_id(), {"product_id": product_id, "decision": "approved"})
    assert error_of(facilitator, review)["code"] == "forbidden"


def test_a_review_sets_status_whatever_the_clocks_say(facilitator, admin):
    product_id = make_product(facilitator, status="submitted")
    facilitator.push(facilitator.op("product", product_id, {"status": "submitted"}, at=9_000_000_000_000))
    review_id = new_id()
    admin.push(admin.op("review", review_id, {"product_id": product_id, "decision": "approved", "note": "Bagus"}, at=1))
    state = admin.state()
    assert state[("product", product_id)]["status"] == "approved"
    review = state[("review", review_id)]
    assert review["reviewer_id"] == admin.headers.user["id"] and review["at"].endswith("Z")


def test_an_old_offline_status_edit_loses_to_a_review(facilitator, admin):
    product_id = make_product(facilitator)
    stale = facilitator.op("product", product_id, {"status": "draft"})
    admin.push(admin.op("review", new_id(), {"product_id": product_id, "decision": "rejected"}))
    facilitator.push(stale)
    assert admin.state()[("product", product_id)]["status"] == "rejected"


def test_editing_an_approved_product_sends_it_back_to_review(facilitator, admin):
    product_id = make_product(facilitator)
    admin.push(admin.op("review", new_id(), {"product_id": product_id, "decision": "approved"}))
    facilitator.push(facilitator.op("product", product_id, {"hs_code": "0901.11.10"}, at=9_000_000_000))
    assert admin.state()[("product", product_id)]["status"] == "approved"
    facilitator.push(facilitator.op("product", product_id, {"price_idr": 150000}, at=1_800_000_000_000))
    assert admin.state()[("product", product_id)]["status"] == "submitted"


def test_a_product_cannot_move_to_another_producer(facilitator):
    product_id = make_product(facilitator)
    other = new_id()
    facilitator.push(facilitator.op("producer", other, producer_fields()))
    error = error_of(facilitator, facilitator.op("product", product_id, {"producer_id": other}))
    assert error["details"]["fields"]["producer_id"]["code"] == "immutable"


def test_deleting_an_unknown_record_is_unknown_reference(facilitator):
    assert error_of(facilitator, facilitator.op("product", new_id(), action="delete"))["code"] == "unknown_reference"


def test_text_limits(facilitator):
    error = error_of(facilitator, facilitator.op("producer", new_id(), producer_fields(name="x" * 201)))
    assert error["details"]["fields"]["name"]["code"] == "too_long"
    product_id = make_product(facilitator)
    error = error_of(facilitator, facilitator.op("product", product_id, {"description": "x" * 5001}))
    assert error["details"]["fields"]["description"]["code"] == "too_long"


def test_phones_are_stored_as_plus_62(facilitator):
    producer_id = new_id()
    facilitator.push(facilitator.op("producer", producer_id, producer_fields(phone="0812-3456-7890")))
    assert facilitator.state()[("producer", producer_id)]["phone"] == "+6281234567890"


def test_rejections_speak_english_when_asked(facilitator):
    op = facilitator.op("product", new_id(), action="delete")
    body = facilitator.push(op, headers={**facilitator.headers, "Accept-Language": "en"})
    assert body["results"][0]["error"]["message"] == "The record this refers to does not exist."
