"""validate_op: the envelope, every field validator, canonical values and error codes."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.records import (
    CATEGORIES,
    CERTIFICATION_KINDS,
    MOVEMENT_KINDS,
    MOVEMENT_SIGNS,
    STATUSES,
    OpError,
    canonical_movement,
    format_time,
    missing_required,
    op_author,
    parse_time,
    validate_op,
    validate_op_fully,
)

ENTITY_ID = "0b5c3f1e-7a2d-4c8e-9f10-2a3b4c5d6e7f"
OTHER_ID = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
HLC = "0001764230400000:0000:3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
VALID = {
    "producer": {"name": "Kelompok Tani Makmur", "village_code": "32.04.10.2001", "kind": "group"},
    "product": {"producer_id": OTHER_ID, "name": "Kopi Arabika", "category": "coffee", "unit": "kg"},
    "stock_movement": {"product_id": OTHER_ID, "qty": "12.5", "kind": "harvest", "occurred_at": "2026-11-27T08:15:00Z"},
    "review": {"product_id": OTHER_ID, "decision": "approved"},
}


def op(entity="product", fields=None, **envelope):
    """A valid upsert of `entity`, with fields and envelope keys replaced as given."""
    return {
        "op_id": str(uuid.uuid4()),
        "entity": entity,
        "entity_id": ENTITY_ID,
        "action": "upsert",
        "fields": VALID[entity] if fields is None else fields,
        "hlc": HLC,
    } | envelope


def errors_of(value):
    """The error code and field errors validate_op raises for an op."""
    with pytest.raises(OpError) as caught:
        validate_op(value)
    return caught.value.code, caught.value.fields


def field_error(entity, name, value):
    """The (code, params) of one field's error."""
    code, fields = errors_of(op(entity, {name: value}))
    assert code == "validation_error"
    assert list(fields) == [name]
    return fields[name]


def out_of_range(given):
    """The details of the out_of_range rejection validate_op raises for an op."""
    with pytest.raises(OpError) as caught:
        validate_op(given)
    assert (caught.value.code, caught.value.fields) == ("out_of_range", {})
    return caught.value.details


def canonical(entity, name, value):
    """The canonical value of one valid field."""
    return validate_op(op(entity, {name: value}))["fields"][name]


# -- the envelope -------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", VALID)
def test_a_valid_upsert_answers_the_canonical_op(entity):
    given = op(entity, extra="ignored")
    assert validate_op(given) == {
        key: given[key] for key in ("op_id", "entity", "entity_id", "action", "fields", "hlc")
    }


def test_a_delete_ignores_its_fields():
    given = op(action="delete", fields={"name": "x" * 5000, "nonsense": 1})
    assert validate_op(given)["fields"] == {}
    assert validate_op({k: v for k, v in given.items() if k != "fields"})["fields"] == {}


def test_an_upsert_without_fields_is_an_error():
    given = op()
    del given["fields"]
    assert errors_of(given) == ("validation_error", {"fields": ("not_an_object", {})})


@pytest.mark.parametrize("value", [None, [], "op", 1])
def test_an_op_that_is_not_an_object(value):
    assert errors_of(value) == ("validation_error", {"op": ("not_an_object", {})})


BAD_UUIDS = [
    None,
    "",
    1,
    "not-a-uuid",
    ENTITY_ID.upper(),
    ENTITY_ID + "\n",
    " " + ENTITY_ID,
    ENTITY_ID.replace("-", ""),
    "{" + ENTITY_ID + "}",
]


@pytest.mark.parametrize("value", BAD_UUIDS)
@pytest.mark.parametrize("key", ["op_id", "entity_id"])
def test_ids_must_be_lower_case_uuids(key, value):
    assert errors_of(op(**{key: value})) == ("validation_error", {key: ("invalid_uuid", {})})


@pytest.mark.parametrize("value", BAD_UUIDS)
def test_a_bad_id_used_as_both_op_id_and_entity_id_is_reported_for_both(value):
    assert errors_of(op(op_id=value, entity_id=value)) == (
        "validation_error",
        {"op_id": ("invalid_uuid", {}), "entity_id": ("invalid_uuid", {})},
    )


def test_a_movement_may_use_its_own_id_as_the_op_id():
    checked = validate_op(movement() | {"op_id": ENTITY_ID})
    assert checked["op_id"] == checked["entity_id"] == ENTITY_ID


def test_a_missing_op_id_is_an_error():
    given = op()
    del given["op_id"]
    assert errors_of(given)[1] == {"op_id": ("invalid_uuid", {})}


@pytest.mark.parametrize("value", [None, "", "Product", "products", "user", 1, ["product"], {"product": 1}])
def test_entity_must_be_one_of_four(value):
    expected = {"entity": ("invalid_choice", {"choices": "producer, product, stock_movement, review"})}
    assert errors_of(op(entity=value, fields={})) == ("validation_error", expected)


@pytest.mark.parametrize("value", [None, "", "insert", "update", "UPSERT", "patch", ["upsert"]])
def test_action_is_upsert_or_delete(value):
    assert errors_of(op(action=value)) == (
        "validation_error",
        {"action": ("invalid_choice", {"choices": "upsert, delete"})},
    )


@pytest.mark.parametrize(
    "value",
    [None, "", 1764230400000, "1764230400000:0000:dev", "0001764230400000:00FF:dev", "0001764230400000:0000:dev\n"],
)
def test_hlc_must_be_an_hlc(value):
    assert errors_of(op(hlc=value)) == ("validation_error", {"hlc": ("invalid_hlc", {})})


def test_every_envelope_error_is_reported_at_once():
    code, fields = errors_of({"entity": "nope", "action": "nope"})
    assert code == "validation_error"
    assert set(fields) == {"op_id", "entity", "entity_id", "action", "hlc"}


@pytest.mark.parametrize("value", [None, [], "name=Kopi", 1])
def test_upsert_fields_must_be_an_object(value):
    assert errors_of(op() | {"fields": value}) == ("validation_error", {"fields": ("not_an_object", {})})


def test_an_unknown_field_is_an_error():
    assert field_error("product", "colour", "red") == ("unknown_field", {})
    assert field_error("stock_movement", "price_idr", 1) == ("unknown_field", {})


def test_the_id_field_may_repeat_the_entity_id_and_is_dropped():
    assert validate_op(op(fields={"id": ENTITY_ID, "name": "Kopi"}))["fields"] == {"name": "Kopi"}


@pytest.mark.parametrize("value", [OTHER_ID, ENTITY_ID.upper(), None, ""])
def test_an_id_field_other_than_the_entity_id_is_an_error(value):
    assert field_error("product", "id", value) == ("invalid", {})


def test_server_fields_sent_back_are_dropped():
    assert validate_op(op("review", {"decision": "approved", "reviewer_id": "x", "at": "y"}))["fields"] == {
        "decision": "approved"
    }
    assert validate_op(op("product", {"stock_on_hand": "3"}))["fields"] == {}
    assert field_error("producer", "at", "y") == ("unknown_field", {})


def test_every_bad_field_is_reported_at_once():
    code, fields = errors_of(op("product", {"name": "", "unit": "ton", "price_idr": "5000", "extra": 1}))
    assert code == "validation_error"
    assert fields == {
        "name": ("required", {}),
        "unit": ("invalid_choice", {"choices": "kg, g, l, ml, pcs, pack, karung, ikat"}),
        "price_idr": ("not_an_integer", {}),
        "extra": ("unknown_field", {}),
    }


def test_validation_leaves_the_op_alone():
    given = op("product", {"name": "  Kopi  ", "hs_code": "0901.11.10"})
    before = repr(given)
    validate_op(given)
    assert repr(given) == before


# -- text ---------------------------------------------------------------------------------------

TEXTS = [
    ("producer", "name", 200, True),
    ("product", "name", 200, True),
    ("product", "description", 5000, False),
    ("stock_movement", "note", 1000, False),
    ("review", "note", 1000, False),
]


@pytest.mark.parametrize(("entity", "name", "limit", "required"), TEXTS)
def test_text_limits(entity, name, limit, required):
    assert canonical(entity, name, "é" * limit) == "é" * limit
    assert field_error(entity, name, "x" * (limit + 1)) == ("too_long", {"max": limit})
    assert canonical(entity, name, "  " + "x" * limit + "\n") == "x" * limit  # trimmed before counting
    assert field_error(entity, name, 12) == ("not_a_string", {})
    if required:
        assert field_error(entity, name, "   ") == ("required", {})
        assert field_error(entity, name, None) == ("not_a_string", {})
    else:
        assert canonical(entity, name, None) is None
        assert canonical(entity, name, "   ") == ""


def test_text_is_trimmed():
    assert canonical("product", "name", "  Kopi Arabika Kintamani \t") == "Kopi Arabika Kintamani"


# -- choices ------------------------------------------------------------------------------------

CHOICES = [
    ("producer", "kind", ("individual", "group", "ukm", "bumdes", "koperasi")),
    ("product", "category", CATEGORIES),
    ("product", "unit", ("kg", "g", "l", "ml", "pcs", "pack", "karung", "ikat")),
    ("product", "status", STATUSES),
    ("stock_movement", "kind", MOVEMENT_KINDS),
    ("review", "decision", ("approved", "needs_changes", "rejected")),
]


@pytest.mark.parametrize(("entity", "name", "choices"), CHOICES)
def test_choices(entity, name, choices):
    for choice in choices:
        if entity == "stock_movement":  # the sign of qty must fit the kind
            fields = {"kind": choice, "qty": "-1" if MOVEMENT_SIGNS[choice] < 0 else "1"}
            assert validate_op(op(entity, fields))["fields"]["kind"] == choice
        else:
            assert canonical(entity, name, choice) == choice
    for bad in (None, "", choices[0].upper(), " " + choices[0], 1, [choices[0]]):
        assert field_error(entity, name, bad) == ("invalid_choice", {"choices": ", ".join(choices)})


def test_status_choices_are_the_device_ones_and_the_decisions():
    assert STATUSES == ("draft", "submitted", "approved", "needs_changes", "rejected")
    assert field_error("product", "status", "published")[0] == "invalid_choice"


def test_category_choices_are_the_contract_ones():
    assert len(CATEGORIES) == 14 and {"coffee", "rice_grains", "processed_food", "other"} <= set(CATEGORIES)


# -- producer fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["32.04.10.2001", "11.01.01.2001"])
def test_village_code(value):
    assert canonical("producer", "village_code", value) == value


@pytest.mark.parametrize(
    "value", [None, "", "32.04.10", "32.04", "32041020 01", "32.04.10.2001\n", "32.04.10.200a", 3204102001]
)
def test_village_code_must_be_a_desa_code(value):
    assert field_error("producer", "village_code", value) == ("unknown_region", {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0812-3456-7890", "+6281234567890"), ("6281234567890", "+6281234567890"), ("", None), (None, None)],
)
def test_phone_is_stored_as_plus_62(value, expected):
    assert canonical("producer", "phone", value) == expected


@pytest.mark.parametrize("value", ["0221234567", "12345", "0812 3456 789a", 81234567890])
def test_phone_must_be_an_indonesian_mobile(value):
    assert field_error("producer", "phone", value) == ("invalid_phone", {})


def test_nib_is_13_digits():
    assert canonical("producer", "nib", "1234567890123") == "1234567890123"
    assert canonical("producer", "nib", None) is None
    for bad in ("123456789012", "12345678901234", "123456789012a", "1234567890123\n", 1234567890123, ""):
        assert field_error("producer", "nib", bad) == ("invalid", {})


# -- product fields -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "x", OTHER_ID.upper()])
def test_producer_id_must_be_a_uuid(value):
    assert field_error("product", "producer_id", value) == ("invalid_uuid", {})


@pytest.mark.parametrize(("value", "expected"), [("0.250", "0.25"), ("1", "1"), ("0.001", "0.001"), (None, None)])
def test_unit_weight_is_a_canonical_decimal(value, expected):
    assert canonical("product", "unit_weight_kg", value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-1", "out_of_range"),
        ("0", "must_not_be_zero"),
        ("-0", "must_not_be_zero"),
        ("0.0001", "invalid_decimal"),
        (0.25, "invalid_decimal"),
    ],
)
def test_unit_weight_errors(value, code):
    assert field_error("product", "unit_weight_kg", value) == (code, {})


@pytest.mark.parametrize("value", [0, 1, 55000, 10**12, None])
def test_price_is_whole_rupiah(value):
    assert canonical("product", "price_idr", value) == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (True, "not_an_integer"),
        (55000.0, "not_an_integer"),
        ("55000", "not_an_integer"),
    ],
)
def test_price_errors(value, code):
    assert field_error("product", "price_idr", value) == (code, {})


@pytest.mark.parametrize(("value", "limit"), [(10**12 + 1, "1000000000000"), (10**13, "1000000000000"), (-1, "0")])
def test_a_price_past_its_limit_is_rejected_out_of_range(value, limit):
    assert out_of_range(op("product", {"price_idr": value})) == {"field": "price_idr", "limit": limit}


@pytest.mark.parametrize(
    ("value", "expected"), [("0901.11.10", "09011110"), ("09011110", "09011110"), ("", None), (None, None)]
)
def test_hs_code_is_8_digits_without_dots(value, expected):
    assert canonical("product", "hs_code", value) == expected


@pytest.mark.parametrize("value", ["0901.11", "0901-11-10", "090111100", "0901.11.1a", "09011110\n", 9011110])
def test_hs_code_errors(value):
    assert field_error("product", "hs_code", value) == ("invalid", {"expected": "8 digits"})


def test_certifications_are_canonical():
    given = [
        {"kind": "halal", "number": " ID31110000123 ", "valid_until": "2027-06-30"},
        {"kind": "pirt", "number": "2063204010123-27"},
        {"kind": "organic"},
    ]
    assert canonical("product", "certifications", given) == [
        {"kind": "halal", "number": "ID31110000123", "valid_until": "2027-06-30"},
        {"kind": "pirt", "number": "2063204010123-27", "valid_until": None},
        {"kind": "organic", "number": None, "valid_until": None},
    ]
    assert canonical("product", "certifications", None) == []
    assert canonical("product", "certifications", []) == []
    for kind in CERTIFICATION_KINDS:
        assert canonical("product", "certifications", [{"kind": kind}])[0]["kind"] == kind


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"kind": "halal"}, "not_a_list"),
        ("halal", "not_a_list"),
        ([{"kind": "halal"}] * 21, "out_of_range"),
        (["halal"], "not_an_object"),
        ([{"kind": "halal", "issuer": "MUI"}], "not_an_object"),
        ([{"kind": "iso9001"}], "invalid_choice"),
        ([{"number": "1"}], "invalid_choice"),
        ([{"kind": "halal", "number": "x" * 101}], "too_long"),
        ([{"kind": "halal", "number": 123}], "not_a_string"),
        ([{"kind": "halal", "valid_until": "2027-13-01"}], "invalid_date"),
        ([{"kind": "halal", "valid_until": "2027-02-30"}], "invalid_date"),
        ([{"kind": "halal", "valid_until": "2027-6-30"}], "invalid_date"),
        ([{"kind": "halal", "valid_until": "2027-06-30T00:00:00Z"}], "invalid_date"),
        ([{"kind": "halal", "valid_until": "2027-W26-1"}], "invalid_date"),
        ([{"kind": "halal", "valid_until": 20270630}], "invalid_date"),
    ],
)
def test_certification_errors(value, code):
    assert field_error("product", "certifications", value)[0] == code


def test_twenty_certifications_are_allowed():
    assert len(canonical("product", "certifications", [{"kind": "sni"}] * 20)) == 20


def test_photos_are_sha256_hex():
    assert canonical("product", "photos", [SHA, "0" * 64]) == [SHA, "0" * 64]
    assert canonical("product", "photos", None) == []
    assert canonical("product", "photos", [SHA] * 20) == [SHA] * 20


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (SHA, "not_a_list"),
        ({"sha": SHA}, "not_a_list"),
        ([SHA.upper()], "invalid_sha256"),
        ([SHA[:-1]], "invalid_sha256"),
        ([SHA + "0"], "invalid_sha256"),
        ([SHA + "\n"], "invalid_sha256"),
        (["g" * 64], "invalid_sha256"),
        ([None], "invalid_sha256"),
        ([SHA] * 21, "invalid_sha256"),
    ],
)
def test_photo_errors(value, code):
    assert field_error("product", "photos", value) == (code, {})


# -- stock movement fields ----------------------------------------------------------------------


def movement(**fields):
    return op("stock_movement", VALID["stock_movement"] | fields)


@pytest.mark.parametrize(("value", "expected"), [("12.500", "12.5"), ("007", "7"), ("0.001", "0.001")])
def test_qty_is_a_canonical_decimal(value, expected):
    assert validate_op(movement(qty=value))["fields"]["qty"] == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (12.5, "invalid_decimal"),
        (12, "invalid_decimal"),
        (None, "invalid_decimal"),
        ("1.2345", "invalid_decimal"),
        ("1e3", "invalid_decimal"),
        ("0", "must_not_be_zero"),
        ("-0.000", "must_not_be_zero"),
    ],
)
def test_qty_errors(value, code):
    assert errors_of(movement(qty=value)) == ("validation_error", {"qty": (code, {})})


@pytest.mark.parametrize("value", ["1000000000", "-1000000000", "999999999.999", "1000000000.000"])
def test_a_qty_at_its_limit_is_valid(value):
    assert validate_op(movement(kind="adjustment", qty=value))["fields"]["qty"] == value.removesuffix(".000")


@pytest.mark.parametrize(
    ("value", "limit"),
    [
        ("1000000000.001", "1000000000"),
        ("-1000000000.001", "-1000000000"),
        ("1000000001", "1000000000"),
        ("999999999999999.999", "1000000000"),
        ("-999999999999999.999", "-1000000000"),
    ],
)
def test_a_huge_qty_is_rejected_out_of_range(value, limit):
    assert out_of_range(movement(kind="adjustment", qty=value)) == {"field": "qty", "limit": limit}


def test_a_qty_past_its_limit_with_the_wrong_sign_is_out_of_range():
    assert out_of_range(movement(kind="sale", qty="1000000000.001")) == {"field": "qty", "limit": "1000000000"}


def test_a_limit_passed_beside_a_bad_field_is_a_validation_error_naming_both():
    code, fields = errors_of(movement(qty="1000000000.001", note=5))
    assert code == "validation_error"
    assert fields == {"qty": ("out_of_range", {"limit": "1000000000"}), "note": ("not_a_string", {})}


def test_of_two_limits_passed_the_first_field_is_named():
    given = op("product", {"price_idr": -5, "certifications": [{"kind": "halal", "valid_until": "2101-01-01"}]})
    assert out_of_range(given) == {"field": "price_idr", "limit": "0"}


@pytest.mark.parametrize("kind", MOVEMENT_KINDS)
def test_qty_sign_follows_the_kind(kind):
    sign = {"harvest": 1, "production": 1, "purchase": 1, "sale": -1, "spoilage": -1, "shipment": -1}.get(kind, 0)
    for qty in ("5", "-5"):
        fits = sign == 0 or (qty.startswith("-") == (sign < 0))
        if fits:
            assert validate_op(movement(kind=kind, qty=qty))["fields"]["qty"] == qty
        else:
            assert errors_of(movement(kind=kind, qty=qty)) == ("validation_error", {"qty": ("out_of_range", {})})


def test_qty_sign_is_not_judged_without_a_valid_kind():
    assert errors_of(movement(kind="gift", qty="-5"))[1] == {
        "kind": ("invalid_choice", {"choices": ", ".join(MOVEMENT_KINDS)})
    }
    assert validate_op(op("stock_movement", {"qty": "-5"}))["fields"] == {"qty": "-5"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-27T08:15:00Z", "2026-11-27T08:15:00Z"),
        ("2026-11-27T00:00:00Z", "2026-11-27T00:00:00Z"),
        ("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z"),
        ("2026-11-27T08:15:00.000Z", "2026-11-27T08:15:00Z"),
        ("2026-11-27T08:15:00.5Z", "2026-11-27T08:15:00.500Z"),
        ("2026-11-27T08:15:00.123456Z", "2026-11-27T08:15:00.123Z"),
        ("2026-11-27T08:15:00.0009Z", "2026-11-27T08:15:00Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
    ],
)
def test_occurred_at_is_canonical_utc_with_milliseconds(value, expected):
    assert validate_op(movement(occurred_at=value))["fields"]["occurred_at"] == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "2026-11-27",
        "2026-11-27T08:15:00",
        "2026-11-27T08:15:00z",
        "2026-11-27 08:15:00Z",
        "2026-11-27T08:15:00+07:00",
        "2026-11-27T08:15:00+00:00",
        "2026-11-27T08:15Z",
        "2026-11-27T08:15:00.1234567Z",
        "2026-11-27T08:15:00Z\n",
        "2026-02-30T08:15:00Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27T08:60:00Z",
        "2026-11-27T08:15:60Z",
        "2026-11-27T08:15:99Z",
        "2025-02-29T08:15:00Z",
        "2026-13-01T08:15:00Z",
        "2026-11-27T08:15:00.Z",
        1764230400000,
    ],
)
def test_occurred_at_errors(value):
    assert errors_of(movement(occurred_at=value)) == ("validation_error", {"occurred_at": ("invalid_datetime", {})})


@pytest.mark.parametrize(
    "value", ["2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2100-12-31T23:59:59.999Z", "2000-01-01T00:00:00.000Z"]
)
def test_occurred_at_in_the_years_2000_to_2100_is_valid(value):
    assert validate_op(movement(occurred_at=value))["fields"]["occurred_at"] == value.replace(".000Z", "Z")


@pytest.mark.parametrize(
    ("value", "limit"),
    [
        ("1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z"),
        ("1999-12-31T23:59:59.999Z", "2000-01-01T00:00:00Z"),
        ("2101-01-01T00:00:00Z", "2100-12-31T23:59:59.999Z"),
        ("0001-01-01T00:00:00Z", "2000-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", "2100-12-31T23:59:59.999Z"),
    ],
)
def test_occurred_at_outside_the_years_2000_to_2100_is_rejected_out_of_range(value, limit):
    assert out_of_range(movement(occurred_at=value)) == {"field": "occurred_at", "limit": limit}


@pytest.mark.parametrize("value", ["2000-01-01", "2100-12-31"])
def test_valid_until_in_the_years_2000_to_2100_is_valid(value):
    certification = {"kind": "halal", "number": None, "valid_until": value}
    assert canonical("product", "certifications", [certification]) == [certification]


@pytest.mark.parametrize(
    ("value", "limit"), [("1999-12-31", "2000-01-01"), ("2101-01-01", "2100-12-31"), ("0001-01-01", "2000-01-01")]
)
def test_valid_until_outside_the_years_2000_to_2100_is_rejected_out_of_range(value, limit):
    certifications = [{"kind": "nib"}, {"kind": "halal", "valid_until": value}]
    details = out_of_range(op("product", {"certifications": certifications}))
    assert details == {"field": "certifications[1].valid_until", "limit": limit}


def test_parse_time_and_format_time_round_trip():
    parsed = parse_time("2026-11-27T08:15:00.250Z")
    assert parsed.tzinfo is None and parsed.microsecond == 250_000
    assert format_time(parsed) == "2026-11-27T08:15:00.250Z"
    assert format_time(None) is None


# -- reviews and required fields ----------------------------------------------------------------


def test_review_fields():
    fields = validate_op(op("review", {"product_id": OTHER_ID, "decision": "needs_changes", "note": " Foto buram "}))
    assert fields["fields"] == {"product_id": OTHER_ID, "decision": "needs_changes", "note": "Foto buram"}
    assert field_error("review", "product_id", "x") == ("invalid_uuid", {})


@pytest.mark.parametrize(
    ("entity", "required"),
    [
        ("producer", ["name", "village_code", "kind"]),
        ("product", ["producer_id", "name", "category", "unit"]),
        ("stock_movement", ["product_id", "qty", "kind", "occurred_at"]),
        ("review", ["product_id", "decision"]),
    ],
)
def test_missing_required(entity, required):
    assert missing_required(entity, {}) == required
    assert missing_required(entity, VALID[entity]) == []
    assert missing_required(entity, dict.fromkeys(VALID[entity])) == required


def test_long_texts_in_reference_and_quantity_fields_are_refused_and_not_remembered():
    from sync.records import _canonical_decimal, _is_uuid

    before = (_is_uuid.cache_info().currsize, _canonical_decimal.cache_info().currsize)
    fields = {**VALID["stock_movement"], "product_id": ENTITY_ID * 10_000, "qty": "1" * 100_000}
    with pytest.raises(OpError) as error:
        validate_op(op("stock_movement", fields))
    assert error.value.fields["product_id"][0] == "invalid_uuid"
    assert error.value.fields["qty"][0] == "invalid_decimal"
    assert (_is_uuid.cache_info().currsize, _canonical_decimal.cache_info().currsize) == before


# -- movements already in canonical form --------------------------------------------------------


SOME_IDS = [ENTITY_ID, OTHER_ID, ENTITY_ID.upper(), "not-a-uuid", ENTITY_ID + "\n", "", OTHER_ID.replace("-", " ")]
# What a movement's fields may be changed to, valid or not.
MOVEMENT_VALUES = {
    "product_id": SOME_IDS,
    "qty": [
        *("12.5", "-3", "1", "0", "-0", "1.50", "+1", " 5", "0.125", "1.2345", "٣", "9" * 16, 12, 1.5, None),
        *("1000000000", "-1000000000", "1000000000.001", "-1000000000.001", "999999999999999.999", "1000000000.0"),
    ],
    "kind": [*MOVEMENT_KINDS, "HARVEST", "gift", None, ["sale"]],
    "occurred_at": [
        "2026-11-27T08:15:00Z",
        "2026-11-27T08:15:00.500Z",
        "2026-11-27T08:15:00.000Z",
        "2026-11-27T23:59:59.999Z",
        "2026-11-27T08:15:00.12Z",
        "2026-11-27T08:15:00.1234Z",
        "2026-11-27T08:15:00.123Z\n",
        "2026-02-30T08:15:00.123Z",
        "2026-02-30T08:15:00Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27 08:15:00Z",
        "2026-11-27T08:15:00Z\n",
        " 2026-11-27T08:15:00Z",
        "2026-11-27T08:15:00Z 2026-11-27T08:15:00Z",
        1764230400,
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00Z",
        "2100-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "2101-01-01T00:00:00.000Z",
        "0000-01-01T00:00:00Z",
    ],
    "note": [None, "", "panen", " panen ", "x" * 1000, "x" * 1001, 5, ["x"]],
    "id": SOME_IDS,
    "created_by": SOME_IDS,
    "price_idr": [1000, "1000"],
}
# What an op's envelope may be changed to: each one wrong.
ENVELOPE_VALUES = {
    "op_id": [ENTITY_ID.upper(), "not-a-uuid", "", None],
    "entity": ["product", "STOCK_MOVEMENT", None],
    "entity_id": [OTHER_ID, ENTITY_ID.upper(), "not-a-uuid", None],
    "action": ["delete", "UPSERT", None],
    "fields": [None, [], "fields"],
    "hlc": [HLC.upper(), "1764230400000:0:x", 17, HLC + " 2026-11-27T08:15:00Z"],
}
CHANGES = [(part, value) for values in (MOVEMENT_VALUES, ENVELOPE_VALUES) for part in values for value in values[part]]
CHANGES += [(part, "a field left out") for part in ("product_id", "qty", "kind", "occurred_at")]
CHANGES += [(part, "a key left out") for part in ENVELOPE_VALUES]
CHANGES += [("device_name", "HP Siti")]  # a key the contract does not know: ignored


def canonical_movement_op():
    """A movement upsert in canonical form, with its own id as the op id."""
    fields = {"product_id": OTHER_ID, "qty": "12.5", "kind": "harvest", "occurred_at": "2026-11-27T08:15:00Z"}
    return {"op_id": ENTITY_ID, "entity": "stock_movement", "entity_id": ENTITY_ID, "action": "upsert"} | {
        "fields": fields,
        "hlc": HLC,
    }


def changed(given_op, part, value):
    """The op with one part changed (a field's value, an envelope key's, or a field left out)."""
    if value == "a field left out":
        given_op["fields"].pop(part, None)
    elif value == "a key left out":
        given_op.pop(part, None)
    elif part not in MOVEMENT_VALUES:
        given_op[part] = value
    else:
        given_op["fields"][part] = value
    return given_op


@st.composite
def movement_ops(draw):
    """A canonical movement upsert with a few of its parts changed."""
    given_op = canonical_movement_op()
    for part, value in draw(st.lists(st.sampled_from(CHANGES), max_size=3)):
        if isinstance(given_op.get("fields"), dict) or part not in MOVEMENT_VALUES:
            changed(given_op, part, value)
    return given_op


def outcome(validate, given):
    """What a validation answers: the op, or the error's code and fields."""
    try:
        return validate(given)
    except OpError as exc:
        return (exc.code, exc.fields, exc.details)


@pytest.mark.parametrize(("part", "value"), CHANGES)
def test_a_movement_with_one_part_changed_is_canonical_only_if_the_long_way_agrees(part, value):
    given_op = changed(canonical_movement_op(), part, value)
    fast = canonical_movement(given_op)
    if fast is not None:
        assert fast == validate_op_fully(given_op)
    assert outcome(validate_op, given_op) == outcome(validate_op_fully, given_op)


@settings(max_examples=300)
@given(movement_ops())
def test_a_movement_taken_as_canonical_is_what_the_long_way_answers(given_op):
    fast = canonical_movement(given_op)
    if fast is not None:
        assert fast == validate_op_fully(given_op)
    assert outcome(validate_op, given_op) == outcome(validate_op_fully, given_op)


def test_a_movement_as_devices_send_it_is_taken_as_canonical():
    sent = op("stock_movement", note="dipetik pagi")
    sent["fields"] = {**VALID["stock_movement"], "note": "dipetik pagi"}
    assert canonical_movement(sent) == validate_op_fully(sent)
    assert canonical_movement({**sent, "entity_id": sent["op_id"]}) is not None


@pytest.mark.parametrize("at", ["2026-11-27T08:15:00.123Z", "2026-11-27T08:15:00.000Z", "2026-11-27T08:15:00Z"])
def test_a_movement_timed_as_the_pwa_writes_it_is_taken_as_canonical(at):
    sent = op("stock_movement", {**VALID["stock_movement"], "occurred_at": at})
    assert canonical_movement(sent) is not None
    assert canonical_movement(sent) == validate_op_fully(sent)


# -- the author of a relayed op ------------------------------------------------------------------

AUTHOR = {"user_id": ENTITY_ID, "device_id": OTHER_ID}


def author_errors(op, relayed=True):
    with pytest.raises(OpError) as caught:
        op_author(op, relayed)
    assert caught.value.code == "validation_error"
    return caught.value.fields


def test_a_hubs_op_names_its_author_and_no_other_op_does():
    assert op_author({"author": {**AUTHOR}}, relayed=True) == AUTHOR
    assert op_author({"op_id": ENTITY_ID}, relayed=False) is None
    assert author_errors({"author": AUTHOR}, relayed=False) == {"author": ("relayed_only", {})}
    assert author_errors({"op_id": ENTITY_ID}) == {"author": ("required", {})}
    assert author_errors({"author": None}) == {"author": ("required", {})}


@pytest.mark.parametrize(
    "author, errors",
    [
        ("someone", {"author": ("not_an_object", {})}),
        ([ENTITY_ID, OTHER_ID], {"author": ("not_an_object", {})}),
        ({}, {"author.user_id": ("required", {}), "author.device_id": ("required", {})}),
        ({**AUTHOR, "user_id": ENTITY_ID.upper()}, {"author.user_id": ("invalid_uuid", {})}),
        ({**AUTHOR, "device_id": 7}, {"author.device_id": ("invalid_uuid", {})}),
        ({**AUTHOR, "device_id": OTHER_ID + "\n"}, {"author.device_id": ("invalid_uuid", {})}),
        ({**AUTHOR, "name": "Bu Sri"}, {"author.name": ("unknown_field", {})}),
    ],
)
def test_an_author_is_a_user_id_and_a_device_id_and_nothing_else(author, errors):
    assert author_errors({"author": author}) == errors
