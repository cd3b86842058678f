"""One shape for every error: {"error": {"code", "message", "details"}}."""

import logging

from flask import jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .messages import FIELD_MESSAGES, field_message, message
from .schemas import MARSHMALLOW_CODES

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error answered to the client in the contract's shape."""

    def __init__(self, status, code, details=None, headers=None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.details = details or {}
        self.headers = headers or {}


def field_errors(errors):
    """Turn {field: (code, params)} into the details of a validation_error."""
    return {
        "fields": {
            name: {"code": code, "message": field_message(code, **params)} for name, (code, params) in errors.items()
        }
    }


def validation_error(errors):
    """A 422 validation_error for {field: (code, params)}."""
    return ApiError(422, "validation_error", field_errors(errors))


def error_body(code, details=None):
    """The JSON body of an error."""
    return {"error": {"code": code, "message": message(code), "details": details or {}}}


def error_response(status, code, details=None, headers=None):
    """A Flask response carrying an error."""
    response = jsonify(error_body(code, details))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _handle_api_error(exc):
    return error_response(exc.status, exc.code, exc.details, exc.headers)


def _handle_http(exc):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if status in (400, 422) and "messages" in data:
        return _webargs_error(data["messages"])
    code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    headers = {}
    if status == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(status, code, headers=headers)


def _webargs_error(messages):
    """Turn marshmallow's messages (as webargs raises them) into our shape."""
    json_messages = messages.get("json", {})
    if (
        isinstance(json_messages, list)
        or "_schema" in json_messages
        and any("Invalid JSON" in str(m) for m in json_messages.get("_schema", []))
    ):
        return error_response(400, "invalid_json")
    errors = {}
    for location, problems in messages.items():
        if location != "json":
            return error_response(400, "invalid_parameter", {"fields": _flatten(problems)})
        errors.update(_flatten(problems))
    return error_response(422, "validation_error", {"fields": errors})


def _flatten(problems, prefix=""):
    flat = {}
    for key, value in problems.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
            continue
        text = str(value[0]) if isinstance(value, list) and value else str(value)
        code = MARSHMALLOW_CODES.get(text, text if text in FIELD_MESSAGES else "invalid")
        if text.startswith("Must be one of"):
            code = "invalid_choice"
        choices = text.partition(": ")[2].rstrip(".") if code == "invalid_choice" else ""
        flat[name] = {"code": code, "message": field_message(code, max=200, choices=choices)}
    return flat


def _handle_database_busy(exc):
    log.warning("database busy: %s", exc)
    return error_response(503, "service_unavailable", headers={"Retry-After": "2"})


def _handle_unexpected(exc):
    log.exception("unexpected error")
    return error_response(500, "internal_error")


def init_app(app):
    """Register the handlers that turn every error into the contract's shape."""
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http)
    # A locked or unreachable database is the server's trouble, not the client's: 503, try again.
    app.register_error_handler(OperationalError, _handle_database_busy)
    app.register_error_handler(Exception, _handle_unexpected)
