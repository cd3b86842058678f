"""What GET /api/v1/openapi.json says beyond the views: our error shape, error answers, path ids.

Every error answers {"error": {"code", "message", "details"}} (server/web/errors.py), so that is the
schema of every error response in the document; no `default` response is declared, so each
operation lists the statuses it really answers. Ids in paths are typed by URL converters: a path
whose id is not a UUID (or region code) matches no route and answers 404, as an unknown id does.
A view that takes a token says so with `signed_in`, which both requires it and documents the 401.
"""

from http import HTTPStatus

from flask_jwt_extended import jwt_required
from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.routing import BaseConverter

from sync.hlc import HLC_PATTERN
from sync.records import SHA256_RE, UUID_PATTERN

from .schemas import REGION_PATTERN

HLC = f"^{HLC_PATTERN}$"
UUID = f"^{UUID_PATTERN}$"
SHA256 = SHA256_RE.pattern.replace(r"\Z", "$")
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
# A locked or unreachable database answers 503 with Retry-After, on any request that reads it.
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"pattern": "^[a-z][a-z0-9_]*$", "example": "validation_error"})
    message = fields.String(required=True, metadata={"description": "For a person, in Accept-Language (id or en)."})
    details = fields.Dict(required=True, metadata={"description": "Per code: fields, limits, offsets..."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class LumbungApi(Api):
    """flask-smorest's Api with our error shape in every error response and no catch-all `default`."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


class UuidConverter(BaseConverter):
    """A record id in a path: a lower-case UUID, kept as text."""

    regex = UUID_PATTERN


class RegionConverter(BaseConverter):
    """A Kemendagri region code in a path (32, 32.04, 32.04.10, 32.04.10.2001)."""

    regex = REGION_PATTERN


class Sha256Converter(BaseConverter):
    """A photo's name in a path; any text routes, and the view answers 400 when it is not a sha256."""


PATH_SCHEMAS = {
    UuidConverter: {"type": "string", "format": "uuid", "pattern": UUID},
    RegionConverter: {"type": "string", "pattern": f"^{REGION_PATTERN}$"},
    Sha256Converter: {"type": "string", "pattern": SHA256},
}


def init_app(app, api):
    """Register the path converters (before any blueprint) and the bearer security scheme."""
    for name, converter in (("uuid_text", UuidConverter), ("region", RegionConverter), ("sha256", Sha256Converter)):
        app.url_map.converters[name] = converter
        api.register_converter(converter, lambda _converter, schema=PATH_SCHEMAS[converter]: dict(schema))
    api.spec.components.security_scheme("bearer", BEARER)


def error_answers(blp, *statuses, public=False):
    """Document the error statuses a view answers, each with the error shape.

    Unless `public`, the view takes a bearer token: 401 and the security requirement are added.
    503 is added to all: a database that is locked or down answers it on any request."""
    codes = set(statuses) | {503} | (set() if public else {401})

    def decorator(view):
        for status in sorted(codes, reverse=True):
            headers = RETRY_AFTER if status in (429, 503) else None
            view = blp.alt_response(status, schema=ErrorSchema, description=HTTPStatus(status).phrase, headers=headers)(
                view
            )
        if not public:
            view = blp.doc(security=[{"bearer": []}])(view)
        return view

    return decorator


def signed_in(blp, *statuses):
    """A view that takes an access token (else 401) and answers these error statuses, all documented."""

    def decorator(view):
        return jwt_required()(error_answers(blp, *statuses)(view))

    return decorator


def stacked(*decorators):
    """One view decorator made of several, applied as if written one above the other in this order."""

    def decorator(view):
        for decorate in reversed(decorators):
            view = decorate(view)
        return view

    return decorator


def json_object(**properties):
    """A 200 answer's content: a JSON object in which every one of these properties is present."""
    schema = {"type": "object", "required": list(properties), "properties": properties}
    return {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}


TEXTS = {"type": "array", "items": {"type": "string"}}
OBJECTS = {"type": "array", "items": {"type": "object"}}
OBJECT = {"type": "object"}
INTEGER = {"type": "integer"}
