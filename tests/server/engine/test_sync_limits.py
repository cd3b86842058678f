"""The limits of SYNC-CONTRACT 1.1 on pushed records: qty, stock on hand, price and dates.

Past a limit, the op is rejected `out_of_range` with the field and the limit passed, nothing of
it is applied, and the other ops of the push still are. Stock stays an exact integer in the
database on both engines.
"""

import pytest
from sqlalchemy import text

from server.extensions import db
from sync.quantity import parse_milli
from tests.helpers import make_product, movement_fields, new_id, producer_fields, product_fields

QTY_LIMIT = "1000000000"
STOCK_LIMIT = "1000000000000"
HUGE = "999999999999999.999"  # the largest qty the grammar reads: 15 digits and 3 places


def movement(device, product_id, qty, kind="adjustment", **extra):
    return device.op("stock_movement", new_id(), movement_fields(product_id, qty, kind, **extra))


def outcomes(device, *ops, headers=None):
    """Push ops; answers each result as "applied"/"duplicate" or the rejection's (code, details)."""
    results = device.push(*ops, headers=headers)["results"]
    return [r["status"] if r["status"] != "rejected" else (r["error"]["code"], r["error"]["details"]) for r in results]


def past(field, limit):
    return ("out_of_range", {"field": field, "limit": limit})


def stored_stock(app, product_id):
    """The stock row as the database holds it: (its type, its value, the sum of the movements)."""
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        typeof = "typeof(stock_milli)" if sqlite else "pg_typeof(stock_milli)::text"
        kind, value = db.session.execute(
            text(f"SELECT {typeof}, stock_milli FROM product_stock WHERE product_id = :id"), {"id": product_id}
        ).one()
        total = db.session.execute(
            text("SELECT sum(qty_milli) FROM stock_movements WHERE product_id = :id"), {"id": product_id}
        ).scalar()
    return kind, value, int(total or 0)


def exact(app, product_id, milli):
    """Whether the stored stock is an exact integer of `milli` thousandths, the sum of the movements."""
    with app.app_context():
        integer = "integer" if db.engine.dialect.name == "sqlite" else "bigint"
    return stored_stock(app, product_id) == (integer, milli, milli)


# -- a movement's qty ---------------------------------------------------------------------------


def test_a_push_carrying_the_qty_limit_and_one_past_it_is_judged_per_op(facilitator, app):
    product_id = make_product(facilitator)
    assert outcomes(
        facilitator,
        movement(facilitator, product_id, QTY_LIMIT, "harvest"),
        movement(facilitator, product_id, "1000000000.001", "harvest"),
        movement(facilitator, product_id, "-1000000000"),
        movement(facilitator, product_id, "-1000000000.001"),
        movement(facilitator, product_id, "-1000000000.001", "sale"),
    ) == [
        "applied",
        past("qty", QTY_LIMIT),
        "applied",
        past("qty", "-1000000000"),
        past("qty", "-1000000000"),
    ]
    assert exact(app, product_id, 0)


def test_ten_huge_movements_answer_200_with_per_op_rejections_and_the_same_when_retried(facilitator, app):
    product_id = make_product(facilitator)
    ops = [movement(facilitator, product_id, HUGE, "harvest") for _ in range(10)]
    ops.append(movement(facilitator, product_id, "2.5", "harvest"))
    first = outcomes(facilitator, *ops)
    assert first == [past("qty", QTY_LIMIT)] * 10 + ["applied"]
    assert outcomes(facilitator, *ops) == [past("qty", QTY_LIMIT)] * 10 + ["duplicate"]
    assert exact(app, product_id, 2500)


def test_an_out_of_range_rejection_speaks_the_language_asked(facilitator):
    product_id = make_product(facilitator)
    op = movement(facilitator, product_id, HUGE, "harvest")
    english = facilitator.push(op, headers={"Accept-Language": "en"})["results"][0]["error"]
    indonesian = facilitator.push(op)["results"][0]["error"]
    assert english["message"].startswith("Beyond the limits: a quantity of at most 1 billion")
    assert indonesian["message"].startswith("Di luar batas: jumlah paling banyak 1 miliar")


# -- stock on hand ------------------------------------------------------------------------------


def fill(device, product_id, qty, count):
    """Push `count` movements of `qty` (adjustments) in one push; all of them must apply."""
    assert outcomes(device, *[movement(device, product_id, qty) for _ in range(count)]) == ["applied"] * count


def test_stock_reaches_its_limit_and_not_one_step_past_within_one_push(facilitator, app):
    product_id = make_product(facilitator)
    fill(facilitator, product_id, QTY_LIMIT, 998)
    assert outcomes(
        facilitator,
        movement(facilitator, product_id, QTY_LIMIT),
        movement(facilitator, product_id, "999999999.999"),
        movement(facilitator, product_id, "0.001"),  # exactly at the limit
        movement(facilitator, product_id, "0.001"),
        movement(facilitator, product_id, "-0.002"),
        movement(facilitator, product_id, "0.002"),
        movement(facilitator, product_id, QTY_LIMIT),
    ) == [
        "applied",
        "applied",
        "applied",
        past("stock_on_hand", STOCK_LIMIT),
        "applied",
        "applied",
        past("stock_on_hand", STOCK_LIMIT),
    ]
    assert exact(app, product_id, 10**15)


def test_stock_at_its_limit_refuses_one_step_more_in_a_later_push_and_takes_one_back(facilitator, app):
    product_id = make_product(facilitator)
    fill(facilitator, product_id, QTY_LIMIT, 1000)
    assert exact(app, product_id, 10**15)
    assert outcomes(facilitator, movement(facilitator, product_id, "0.001", "harvest")) == [
        past("stock_on_hand", STOCK_LIMIT)
    ]
    assert outcomes(facilitator, movement(facilitator, product_id, "-0.001", "sale")) == ["applied"]
    assert exact(app, product_id, 10**15 - 1)


def test_stock_reaches_its_negative_limit_and_not_one_step_below(facilitator, app):
    product_id = make_product(facilitator)
    fill(facilitator, product_id, "-" + QTY_LIMIT, 1000)
    assert outcomes(
        facilitator,
        movement(facilitator, product_id, "-0.001", "spoilage"),
        movement(facilitator, product_id, "0.001", "purchase"),
    ) == [past("stock_on_hand", "-" + STOCK_LIMIT), "applied"]
    assert exact(app, product_id, -(10**15) + 1)


def test_the_stock_limit_holds_for_a_product_edited_in_the_same_push(facilitator, app):
    product_id = make_product(facilitator)
    fill(facilitator, product_id, QTY_LIMIT, 1000)
    edit = facilitator.op("product", product_id, {"name": "Kopi Arabika Lereng"})
    assert outcomes(facilitator, edit, movement(facilitator, product_id, "0.001")) == [
        "applied",
        past("stock_on_hand", STOCK_LIMIT),
    ]
    assert exact(app, product_id, 10**15)


def test_a_product_created_in_the_push_of_its_movements_starts_from_zero(facilitator, app):
    producer_id, product_id = new_id(), new_id()
    ops = [
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
        *[movement(facilitator, product_id, QTY_LIMIT) for _ in range(997)],
    ]
    assert outcomes(facilitator, *ops) == ["applied"] * 999
    assert exact(app, product_id, 997 * 10**12)


@pytest.mark.parametrize("qty", [QTY_LIMIT, "-" + QTY_LIMIT, "0.001"])
def test_stock_is_stored_as_an_exact_integer(facilitator, app, qty):
    product_id = make_product(facilitator)
    fill(facilitator, product_id, qty, 3)
    assert exact(app, product_id, 3 * parse_milli(qty))


# -- price --------------------------------------------------------------------------------------


def test_a_price_at_its_limit_is_applied_and_one_past_it_is_out_of_range(facilitator):
    producer_id, priced, overpriced = new_id(), new_id(), new_id()
    facilitator.push(facilitator.op("producer", producer_id, producer_fields()))
    assert outcomes(
        facilitator,
        facilitator.op("product", priced, product_fields(producer_id, price_idr=10**12)),
        facilitator.op("product", overpriced, product_fields(producer_id, price_idr=10**12 + 1)),
        facilitator.op("product", priced, {"price_idr": -1}),
        facilitator.op("product", priced, {"price_idr": 10**12 + 1, "name": "Kopi Mahal"}),
    ) == ["applied", past("price_idr", STOCK_LIMIT), past("price_idr", "0"), past("price_idr", STOCK_LIMIT)]
    products = {key[1]: data for key, data in facilitator.state().items() if key[0] == "product"}
    assert set(products) == {priced}
    assert (products[priced]["price_idr"], products[priced]["name"]) == (10**12, "Kopi Arabika")


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("occurred_at", "expected"),
    [
        ("1999-12-31T23:59:59Z", past("occurred_at", "2000-01-01T00:00:00Z")),
        ("2000-01-01T00:00:00Z", "applied"),
        ("2100-12-31T23:59:59Z", "applied"),
        ("2101-01-01T00:00:00Z", past("occurred_at", "2100-12-31T23:59:59.999Z")),
    ],
)
def test_occurred_at_lies_in_the_years_2000_to_2100(facilitator, occurred_at, expected):
    product_id = make_product(facilitator)
    op = movement(facilitator, product_id, "1", "harvest", occurred_at=occurred_at)
    assert outcomes(facilitator, op) == [expected]
    movements = [data for key, data in facilitator.state().items() if key[0] == "stock_movement"]
    assert [m["occurred_at"] for m in movements] == ([occurred_at] if expected == "applied" else [])


@pytest.mark.parametrize(
    ("valid_until", "expected"),
    [
        ("1999-12-31", past("certifications[0].valid_until", "2000-01-01")),
        ("2000-01-01", "applied"),
        ("2100-12-31", "applied"),
        ("2101-01-01", past("certifications[0].valid_until", "2100-12-31")),
    ],
)
def test_a_certifications_valid_until_lies_in_the_years_2000_to_2100(facilitator, valid_until, expected):
    product_id = make_product(facilitator)
    certifications = [{"kind": "halal", "number": "ID123", "valid_until": valid_until}]
    assert outcomes(facilitator, facilitator.op("product", product_id, {"certifications": certifications})) == [
        expected
    ]
    stored = facilitator.state()[("product", product_id)]["certifications"]
    assert stored == (certifications if expected == "applied" else [])
