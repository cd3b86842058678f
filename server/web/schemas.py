"""Shared marshmallow pieces: a base schema and fields whose errors are codes."""

import re
import uuid
from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from sync.phone import normalize_phone
from sync.records import DATE_RE, UUID_PATTERN, UUID_RE

from .signing_keys import BadKey, jwk_public_key, public_jwk_members

# Matched with fullmatch, never match: "$" also matches before a final newline ("246810\n").
# [0-9], not \d, which takes any script's digits.
PIN_RE = re.compile(r"^[0-9]{6}$")
# [0-9] and \Z, as in sync/records.py: ASCII digits only, and no trailing newline.
REGION_PATTERN = r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?"
REGION_RE = re.compile(rf"^{REGION_PATTERN}\Z")
# SYNC-CONTRACT 1.1: dates in records and in query parameters lie in the years 2000 to 2100.
FIRST_YEAR, LAST_YEAR = 2000, 2100

# marshmallow's own messages, mapped to our field error codes.
MARSHMALLOW_CODES = {
    "Missing data for required field.": "required",
    "Field may not be null.": "required",
    "Not a valid string.": "not_a_string",
    "Not a valid integer.": "not_an_integer",
    "Not a valid list.": "not_a_list",
    "Unknown field.": "unknown_field",
    "Invalid input type.": "not_an_object",
}


class BaseSchema(Schema):
    """Ignore unknown keys: clients may send more than we read."""

    class Meta:
        unknown = EXCLUDE


class Phone(fields.String):
    """A phone number in any of the three spellings, loaded as +62..."""

    def _deserialize(self, value, attr, data, **kwargs):
        phone = normalize_phone(value)
        if phone is None:
            raise ValidationError("invalid_phone")
        return phone


class Pin(fields.String):
    """A PIN of exactly six digits."""

    def __init__(self, **kwargs):
        super().__init__(**_documented(kwargs, pattern="^[0-9]{6}$"))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not PIN_RE.fullmatch(value):
            raise ValidationError("invalid_pin")
        return value


def _documented(kwargs, **properties):
    """Field arguments whose metadata tells OpenAPI what the field's own check accepts."""
    return {**kwargs, "metadata": {**properties, **kwargs.get("metadata", {})}}


class Uuid(fields.String):
    """A lower-case UUID as text."""

    def __init__(self, **kwargs):
        super().__init__(**_documented(kwargs, format="uuid", pattern=f"^{UUID_PATTERN}$"))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not UUID_RE.fullmatch(value):
            raise ValidationError("invalid_uuid")
        return value


class RegionCode(fields.String):
    """A Kemendagri code with dots: 32, 32.04, 32.04.10 or 32.04.10.2001."""

    def __init__(self, **kwargs):
        super().__init__(**_documented(kwargs, pattern=f"^{REGION_PATTERN}$"))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not REGION_RE.fullmatch(value):
            raise ValidationError("unknown_region")
        return value


class PublicJwk(fields.Dict):
    """An Ed25519 public key as a JWK ({"kty": "OKP", "crv": "Ed25519", "x": ...}), without its private
    part; loaded as the JWK of those three members."""

    def __init__(self, **kwargs):
        properties = {
            "kty": {"enum": ["OKP"]},
            "crv": {"enum": ["Ed25519"]},
            "x": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
        }
        super().__init__(**_documented(kwargs, required=["kty", "crv", "x"], properties=properties))

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return public_jwk_members(jwk_public_key(value))
        except BadKey as exc:
            raise ValidationError("invalid_public_key") from exc


class CalendarDate(fields.Date):
    """A calendar date written YYYY-MM-DD, in the years 2000 to 2100; loaded as a date."""

    def _deserialize(self, value, attr, data, **kwargs):
        # Python reads 20261127 and 2026-W48-5 as dates too; the API takes one spelling.
        if not isinstance(value, str) or not DATE_RE.match(value):
            raise ValidationError("invalid_date")
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError("invalid_date") from exc
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValidationError("out_of_range")
        return day


def Name(**kwargs):
    """A person's or record's name: 1 to 200 characters."""
    return fields.String(validate=_length(1, 200), **kwargs)


def _length(low, high):
    def check(value):
        if len(value.strip()) < low:
            raise ValidationError("required")
        if len(value) > high:
            raise ValidationError("too_long")

    return check


def new_uuid():
    """A new random UUID as text."""
    return str(uuid.uuid4())
