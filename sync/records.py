"""The four synced entities, their fields, and the validation of an op against them.

Errors are codes, never prose: the server turns them into a person's language.
A field error is {field: (code, params)}.
"""

import re
from datetime import date, datetime
from functools import lru_cache

from .hlc import HLC_PATTERN, is_hlc
from .phone import normalize_phone
from .quantity import MAX_QTY_TEXT, format_milli, parse_milli

# [0-9] and \Z, never \d and $: ASCII digits only, and no trailing newline (as in JavaScript).
UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_RE = re.compile(rf"^{UUID_PATTERN}\Z")
VILLAGE_RE = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\Z")
SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")
HS_RE = re.compile(r"^([0-9]{4})\.?([0-9]{2})\.?([0-9]{2})\Z")
NIB_RE = re.compile(r"^[0-9]{13}\Z")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z\Z")
# The same, in whole seconds and with a real time of day (the day itself is checked apart).
WHOLE_SECONDS_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"
WHOLE_SECONDS_RE = re.compile(rf"^{WHOLE_SECONDS_PATTERN}\Z")
# A movement op's op id, product id, clock and time joined by spaces (none of them may hold one):
# one match of the four costs about half of four matches (each match has a fixed cost as large
# as the reading of a 36-character id; callgrind).
MOVEMENT_TEXTS_RE = re.compile(rf"^{UUID_PATTERN} {UUID_PATTERN} {HLC_PATTERN} {WHOLE_SECONDS_PATTERN}\Z")

PRODUCER_KINDS = ("individual", "group", "ukm", "bumdes", "koperasi")
CATEGORIES = (
    "coffee",
    "cocoa",
    "spices",
    "rice_grains",
    "fruits",
    "vegetables",
    "fishery",
    "livestock",
    "processed_food",
    "beverages",
    "herbal",
    "handicraft",
    "textile",
    "other",
)
UNITS = ("kg", "g", "l", "ml", "pcs", "pack", "karung", "ikat")
CERTIFICATION_KINDS = ("nib", "pirt", "bpom_md", "halal", "sni", "organic", "phytosanitary")
MOVEMENT_KINDS = ("harvest", "production", "purchase", "sale", "spoilage", "adjustment", "shipment")
# The sign a movement's qty must have, by kind: stock comes in, goes out, or either.
MOVEMENT_SIGNS = {
    "harvest": 1,
    "production": 1,
    "purchase": 1,
    "sale": -1,
    "spoilage": -1,
    "shipment": -1,
    "adjustment": 0,
}
DECISIONS = ("approved", "needs_changes", "rejected")
DEVICE_STATUSES = ("draft", "submitted")  # what an op may set; the rest comes from reviews
STATUSES = DEVICE_STATUSES + DECISIONS
MAX_PHOTOS = 20
MAX_CERTIFICATIONS = 20


class FieldError(Exception):
    """A field's value is not valid: code and its parameters."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def _text(limit, required=False):
    def check(value):
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise FieldError("not_a_string")
        value = value.strip()
        if required and not value:
            raise FieldError("required")
        if len(value) > limit:
            raise FieldError("too_long", max=limit)
        return value

    return check


def _choice(choices):
    def check(value):
        if value not in choices:
            raise FieldError("invalid_choice", choices=", ".join(choices))
        return value

    return check


def _pattern(regex, code, nullable=True):
    def check(value):
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not regex.match(value):
            raise FieldError(code)
        return value

    return check


def _reference(value):
    if not isinstance(value, str) or len(value) != 36 or not _is_uuid(value):
        raise FieldError("invalid_uuid")
    return value


@lru_cache(maxsize=4096)  # a push names the same few producers and products again and again
def _is_uuid(text):
    return UUID_RE.match(text) is not None


def _phone(value):
    if value is None or value == "":
        return None
    phone = normalize_phone(value)
    if phone is None:
        raise FieldError("invalid_phone")
    return phone


def _hs_code(value):
    if value is None or value == "":
        return None
    match = HS_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise FieldError("invalid", expected="8 digits")
    return "".join(match.groups())


def _decimal(value, allow_zero=True, nullable=False):
    if value is None and nullable:
        return None
    # (Only texts as long as a quantity can be are remembered: a long one would fill the cache.)
    canonical = _canonical_decimal(value) if isinstance(value, str) and len(value) <= MAX_QTY_TEXT else None
    if canonical is None:
        raise FieldError("invalid_decimal")
    if not allow_zero and canonical == "0":
        raise FieldError("must_not_be_zero")
    return canonical


@lru_cache(maxsize=4096)  # a push of movements repeats the same few quantities
def _canonical_decimal(text):
    milli = parse_milli(text)
    return None if milli is None else format_milli(milli)


def _quantity(value):
    return _decimal(value, allow_zero=False)


def _weight(value):
    text = _decimal(value, nullable=True)
    if text is not None and text.startswith("-"):
        raise FieldError("out_of_range")
    return text


def _price(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("not_an_integer")
    if not 0 <= value <= 10**13:
        raise FieldError("out_of_range")
    return value


def _date(value):
    if value is None:
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise FieldError("invalid_date")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise FieldError("invalid_date") from None


def _certifications(value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError("not_a_list")
    if len(value) > MAX_CERTIFICATIONS:
        raise FieldError("out_of_range")
    result = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"kind", "number", "valid_until"}:
            raise FieldError("not_an_object")
        result.append(
            {
                "kind": _choice(CERTIFICATION_KINDS)(item.get("kind")),
                "number": _text(100)(item.get("number")),
                "valid_until": _date(item.get("valid_until")),
            }
        )
    return result


def _photos(value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError("not_a_list")
    if len(value) > MAX_PHOTOS or not all(isinstance(p, str) and SHA256_RE.match(p) for p in value):
        raise FieldError("invalid_sha256")
    return list(value)


def parse_time(value):
    """RFC 3339 UTC text -> naive UTC datetime; None when it is not one."""
    if not isinstance(value, str) or not TIME_RE.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value[:-1])
    except ValueError:
        return None
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


def _time(value):
    if isinstance(value, str) and WHOLE_SECONDS_RE.match(value):
        # Whole seconds, "...:00Z", as devices send them: already canonical once the day is a
        # real one (remembered: a push repeats days).
        if _real_day(value[:10]):
            return value
        raise FieldError("invalid_datetime")
    parsed = parse_time(value)
    if parsed is None:
        raise FieldError("invalid_datetime")
    return format_time(parsed)


@lru_cache(maxsize=1024)
def _real_day(text):
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def format_time(value):
    """Naive UTC datetime -> 2026-11-27T08:15:00Z, with milliseconds only when there are some."""
    if value is None:
        return None
    if value.microsecond // 1000:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


ENTITIES = {
    "producer": {
        "fields": {
            "name": _text(200, required=True),
            "village_code": _pattern(VILLAGE_RE, "unknown_region", nullable=False),
            "kind": _choice(PRODUCER_KINDS),
            "phone": _phone,
            "nib": _pattern(NIB_RE, "invalid"),
        },
        "required": ("name", "village_code", "kind"),
        "immutable": False,
    },
    "product": {
        "fields": {
            "producer_id": _reference,
            "name": _text(200, required=True),
            "category": _choice(CATEGORIES),
            "description": _text(5000),
            "unit": _choice(UNITS),
            "unit_weight_kg": _weight,
            "price_idr": _price,
            "hs_code": _hs_code,
            "certifications": _certifications,
            "photos": _photos,
            "status": _choice(STATUSES),
        },
        "required": ("producer_id", "name", "category", "unit"),
        "immutable": False,
    },
    "stock_movement": {
        "fields": {
            "product_id": _reference,
            "qty": _quantity,
            "kind": _choice(MOVEMENT_KINDS),
            "occurred_at": _time,
            "note": _text(1000),
        },
        "required": ("product_id", "qty", "kind", "occurred_at"),
        "immutable": True,
    },
    "review": {
        "fields": {
            "product_id": _reference,
            "decision": _choice(DECISIONS),
            "note": _text(1000),
        },
        "required": ("product_id", "decision"),
        "immutable": True,
    },
}
# Fields the server fills in; a client may send them back unchanged, and they are ignored.
SERVER_FIELDS = {
    "stock_movement": ("created_by", "created_by_name"),
    "review": ("reviewer_id", "at"),
    "product": ("stock_on_hand", "created_by", "created_by_name"),
    "producer": ("created_by", "created_by_name"),
}
# Editing any of these on an approved product sends it back to review.
REVIEWED_FIELDS = ("name", "description", "unit", "unit_weight_kg", "price_idr", "certifications", "photos")


class OpError(Exception):
    """An op that cannot be applied: an error code and details (field errors under "fields")."""

    def __init__(self, code, fields=None, **details):
        super().__init__(code)
        self.code = code
        self.fields = fields or {}
        self.details = details


def validate_op(op):
    """Check an op's envelope and fields; answers the op with canonical values, or raises OpError."""
    if isinstance(op, dict) and op.get("entity") == "stock_movement":
        canonical = canonical_movement(op)
        if canonical is not None:
            return canonical
    return validate_op_fully(op)


def validate_op_fully(op):
    """validate_op the long way, field by field, for any op: it names every error it finds."""
    if not isinstance(op, dict):
        raise OpError("validation_error", {"op": ("not_an_object", {})})
    op_id, entity, entity_id, action, hlc = (
        op.get("op_id"),
        op.get("entity"),
        op.get("entity_id"),
        op.get("action"),
        op.get("hlc"),
    )
    errors = {}
    if not isinstance(op_id, str) or not UUID_RE.match(op_id):
        errors["op_id"] = ("invalid_uuid", {})
    if not isinstance(entity, str) or entity not in ENTITIES:
        errors["entity"] = ("invalid_choice", {"choices": ", ".join(ENTITIES)})
    # A movement's op id is often its own id (sync/README.md): one check serves both.
    same_as_op_id = entity_id == op_id and "op_id" not in errors
    if not same_as_op_id and (not isinstance(entity_id, str) or not UUID_RE.match(entity_id)):
        errors["entity_id"] = ("invalid_uuid", {})
    if action != "upsert" and action != "delete":
        errors["action"] = ("invalid_choice", {"choices": "upsert, delete"})
    if not is_hlc(hlc):
        errors["hlc"] = ("invalid_hlc", {})
    if errors:
        raise OpError("validation_error", errors)
    fields = validate_fields(entity, entity_id, op.get("fields")) if action == "upsert" else {}
    return {"op_id": op_id, "entity": entity, "entity_id": entity_id, "action": action, "fields": fields, "hlc": hlc}


def canonical_movement(op):
    """A stock-movement upsert already in canonical form, as devices send them by the thousand:
    answers what validate_op would, without checking field by field; None when it is not one.

    Each condition is one of validate_op's rules for such an op, tested by its canonical result
    (a qty whose canonical text is itself, a note with nothing to strip): whatever fails one goes
    the long way (validate_op_fully), which then answers it or names its errors.
    tests/sync/test_records.py holds the two to the same answers.
    """
    try:
        fields, op_id, entity_id, hlc = op["fields"], op["op_id"], op["entity_id"], op["hlc"]
        product_id, qty, kind, at = fields["product_id"], fields["qty"], fields["kind"], fields["occurred_at"]
        texts = " ".join((op_id, product_id, hlc, at))
        upsert = op["action"] == "upsert" and op["entity"] == "stock_movement"
    except (KeyError, TypeError):  # something missing, or not text
        return None
    note = fields.get("note")
    sign = MOVEMENT_SIGNS.get(kind) if isinstance(kind, str) else None
    if (
        not upsert
        or sign is None
        or len(fields) != 4 + ("note" in fields)  # the four read above, and perhaps a note: nothing else
        or not MOVEMENT_TEXTS_RE.match(texts)
        or (entity_id != op_id and not (isinstance(entity_id, str) and UUID_RE.match(entity_id)))
        or not _real_day(at[:10])
        or not (isinstance(qty, str) and len(qty) <= MAX_QTY_TEXT and _canonical_decimal(qty) == qty != "0")
        or (sign and qty.startswith("-") != (sign < 0))
        or not (note is None or (isinstance(note, str) and len(note) <= 1000 and note == note.strip()))
    ):
        return None
    if len(op) == 6:  # the five read above and the entity, nothing else: the op is its own answer
        return op
    return {
        "op_id": op_id,
        "entity": "stock_movement",
        "entity_id": entity_id,
        "action": "upsert",
        "fields": fields,
        "hlc": hlc,
    }


def validate_fields(entity, entity_id, fields):
    """Canonical values of an upsert's fields, or OpError with every bad field."""
    if not isinstance(fields, dict):
        raise OpError("validation_error", {"fields": ("not_an_object", {})})
    checks = ENTITIES[entity]["fields"]
    result, errors = {}, {}
    for name, value in fields.items():
        check = checks.get(name)
        if check is None:
            if name == "id":
                if value != entity_id:
                    errors["id"] = ("invalid", {})
            elif name not in SERVER_FIELDS[entity]:
                errors[name] = ("unknown_field", {})
            continue
        try:
            result[name] = check(value)
        except FieldError as exc:
            errors[name] = (exc.code, exc.params)
    if entity == "stock_movement" and "qty" in result and "kind" in result:
        sign = MOVEMENT_SIGNS[result["kind"]]
        if sign and (result["qty"].startswith("-")) != (sign < 0):
            errors["qty"] = ("out_of_range", {})
    if errors:
        raise OpError("validation_error", errors)
    return result


def missing_required(entity, fields):
    """The required fields a creating upsert lacks."""
    return [name for name in ENTITIES[entity]["required"] if fields.get(name) is None]
