"""The four synced entities, their fields, and the validation of an op against them.

Errors are codes, never prose: the server turns them into a person's language.
A field error is {field: (code, params)}.
"""

import re
from datetime import date, datetime
from functools import lru_cache

from .hlc import HLC_PATTERN, is_hlc
from .phone import normalize_phone
from .quantity import MAX_QTY_TEXT, format_milli, parse_milli, qty_limit_passed

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
# The same with milliseconds, as a browser's toISOString writes them ("...:00.123Z").
DEVICE_TIME_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{3})?Z"
# A movement op's op id, product id, clock and time joined by spaces (none of them may hold one):
# one match of the four costs about half of four matches, as each match has a fixed cost about
# as large as the reading of a 36-character id.
MOVEMENT_TEXTS_RE = re.compile(rf"^{UUID_PATTERN} {UUID_PATTERN} {HLC_PATTERN} {DEVICE_TIME_PATTERN}\Z")

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
# The limits of SYNC-CONTRACT 1.1 that a field alone decides (stock on hand needs the stored total:
# server/engine/apply.py). Past one, the op is rejected "out_of_range" with the field and the limit passed.
PRICE_LIMITS = (0, 10**12)
YEARS = (2000, 2100)
DATE_LIMITS = ("2000-01-01", "2100-12-31")
TIME_LIMITS = ("2000-01-01T00:00:00Z", "2100-12-31T23:59:59.999Z")


class FieldError(Exception):
    """A field's value is not valid: code and its parameters.

    A value past a limit of the contract is "out_of_range" with a `limit` parameter (and
    `field` when it lies deeper than the op's field, as a certification's date does)."""

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


@lru_cache(maxsize=4096)
def _canonical_qty(text):
    """The canonical text of a movement's qty: not zero and within its limit; else None."""
    milli = parse_milli(text)
    return None if not milli or qty_limit_passed(milli) is not None else format_milli(milli)


def _quantity(value):
    text = _decimal(value, allow_zero=False)
    limit = qty_limit_passed(parse_milli(text))
    if limit is not None:
        raise FieldError("out_of_range", limit=limit)
    return text


def _weight(value):
    # A weight is above zero: a product weighing nothing would ship as nothing.
    text = _decimal(value, allow_zero=False, nullable=True)
    if text is not None and text.startswith("-"):
        raise FieldError("out_of_range")
    return text


def _price(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("not_an_integer")
    low, high = PRICE_LIMITS
    if not low <= value <= high:
        raise FieldError("out_of_range", limit=str(low if value < low else high))
    return value


def _date(value):
    if value is None:
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise FieldError("invalid_date")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FieldError("invalid_date") from None
    _check_year(day.year, DATE_LIMITS)
    return day.isoformat()


def _check_year(year, limits):
    """FieldError out_of_range, with the limit passed, for a year outside YEARS."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise FieldError("out_of_range", limit=limits[0] if year < YEARS[0] else limits[1])


def _certifications(value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError("not_a_list")
    if len(value) > MAX_CERTIFICATIONS:
        raise FieldError("out_of_range")
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"kind", "number", "valid_until"}:
            raise FieldError("not_an_object")
        kind, number = _choice(CERTIFICATION_KINDS)(item.get("kind")), _text(100)(item.get("number"))
        try:
            valid_until = _date(item.get("valid_until"))
        except FieldError as exc:
            if "limit" in exc.params:
                exc.params["field"] = f"certifications[{index}].valid_until"
            raise
        result.append({"kind": kind, "number": number, "valid_until": valid_until})
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
    # Whole seconds, "...:00Z", as devices send them: already canonical once the day is a real
    # one within the years allowed (remembered: a push repeats days).
    if isinstance(value, str) and WHOLE_SECONDS_RE.match(value) and _usable_day(value[:10]):
        return value
    parsed = parse_time(value)
    if parsed is None:
        raise FieldError("invalid_datetime")
    _check_year(parsed.year, TIME_LIMITS)
    return format_time(parsed)


@lru_cache(maxsize=1024)
def _usable_day(text):
    """Whether YYYY-MM-DD is a real day in the years allowed."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return YEARS[0] <= day.year <= YEARS[1]


def format_time(value):
    """Naive UTC datetime -> 2026-11-27T08:15:00Z, with milliseconds only when there are some."""
    if value is None:
        return None
    text = value.isoformat()  # a pull formats thousands: isoformat is the quick way
    return text[:19] + "Z" if value.microsecond < 1000 else text[:23] + "Z"


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
        or not _usable_day(at[:10])
        or not (isinstance(qty, str) and len(qty) <= MAX_QTY_TEXT and _canonical_qty(qty) == qty)
        or (sign and qty.startswith("-") != (sign < 0))
        or not (note is None or (isinstance(note, str) and len(note) <= 1000 and note == note.strip()))
    ):
        return None
    if at.endswith(".000Z"):  # whole seconds: their canonical text has no milliseconds
        fields = {**fields, "occurred_at": at[:19] + "Z"}
    elif len(op) == 6:  # the five read above and the entity, nothing else: the op is its own answer
        return op
    return {
        "op_id": op_id,
        "entity": "stock_movement",
        "entity_id": entity_id,
        "action": "upsert",
        "fields": fields,
        "hlc": hlc,
    }


AUTHOR_FIELDS = ("user_id", "device_id")


def op_author(op, relayed):
    """The author of an op as a push carries it: a hub's push (relayed) names one on every op,
    {"user_id", "device_id"}; any other push names none. Answers it (None when not relayed), or
    raises OpError validation_error naming the field."""
    if not relayed:
        if "author" in op:
            raise OpError("validation_error", {"author": ("relayed_only", {})})
        return None
    author = op.get("author")
    if author is None:
        raise OpError("validation_error", {"author": ("required", {})})
    if not isinstance(author, dict):
        raise OpError("validation_error", {"author": ("not_an_object", {})})
    errors = {f"author.{name}": ("unknown_field", {}) for name in author if name not in AUTHOR_FIELDS}
    for name in AUTHOR_FIELDS:
        value = author.get(name)
        if value is None:
            errors[f"author.{name}"] = ("required", {})
        elif not isinstance(value, str) or not UUID_RE.match(value):
            errors[f"author.{name}"] = ("invalid_uuid", {})
    if errors:
        raise OpError("validation_error", errors)
    return {name: author[name] for name in AUTHOR_FIELDS}


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
        raise _fields_error(errors)
    return result


def _fields_error(errors):
    """validation_error naming every bad field; out_of_range when each one only passed a limit."""
    if all(code == "out_of_range" and "limit" in params for code, params in errors.values()):
        name, (_, params) = next(iter(errors.items()))
        return OpError("out_of_range", field=params.get("field", name), limit=params["limit"])
    return OpError("validation_error", errors)


def missing_required(entity, fields):
    """The required fields a creating upsert lacks."""
    return [name for name in ENTITIES[entity]["required"] if fields.get(name) is None]
