"""One JSON parser for every request body: orjson, at most MAX_DEPTH levels deep.

Flask's `request.get_json` parses through `app.json.loads`, so the provider below is the one
parser; the webargs parser of our blueprints and push both read the body through `get_json`,
and a hook parses a JSON body before any view (or login check) runs, so that a body no view
reads is refused too. The parse is cached on the request: nobody parses a body twice.
"""

import flask_smorest
import orjson
from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser

from .errors import ApiError

# SYNC-CONTRACT 1.1: "A JSON body nests at most 32 levels". Python's json module recurses
# until RecursionError; orjson stops at 1,024 levels by itself.
MAX_DEPTH = 32
CONTAINERS = (dict, list)


class TooDeep(ValueError):
    """A JSON document nested deeper than MAX_DEPTH."""


def loads(data):
    """Parse JSON text (bytes or str), refusing documents nested deeper than MAX_DEPTH."""
    value = orjson.loads(data)
    if not _nests_within(value, MAX_DEPTH):
        raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
    return value


def _nests_within(value, levels):
    """Whether a parsed value nests at most `levels` arrays or objects deep."""
    # Level by level, in comprehensions that keep only the containers: a push of 1,000 ops
    # holds some 14,000 values, walked in about the time orjson takes to parse them.
    level = [value] if type(value) in CONTAINERS else []
    for _ in range(levels):
        if not level:
            return True
        level = [child for container in level
                 for child in (container.values() if type(container) is dict else container)
                 if type(child) is dict or type(child) is list]  # fmt: skip
    return not level


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing with `loads` above; answers are rendered as before."""

    def loads(self, s, **kwargs):
        """Parse a JSON body or string."""
        return loads(s)


class JsonRequest(Request):
    """Flask's request, answering a body that is not JSON (or too deep) 400 `invalid_json`."""

    def on_json_loading_failed(self, e):
        """Called by get_json when the body does not parse; e is None for a non-JSON content type."""
        if e is None:
            return super().on_json_loading_failed(e)
        raise ApiError(400, "invalid_json", {"max_depth": MAX_DEPTH} if isinstance(e, TooDeep) else {})


class Parser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies through `request.get_json` (the one parser)."""

    def load_json(self, req, schema):
        """The parsed body; missing when it is empty or not declared JSON (as webargs does)."""
        if not req.is_json or not req.get_data(cache=True):
            return core.missing
        return req.get_json()


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint with our parser: every API blueprint is one of these."""

    ARGUMENTS_PARSER = Parser()


def _parse_json_body():
    """Parse a JSON body before the view and its login check, so every endpoint refuses a bad one."""
    if request.method not in BODYLESS and request.is_json and request.get_data(cache=True):
        request.get_json()


BODYLESS = {"GET", "HEAD", "OPTIONS"}  # no view reads a body of these: the idle pull skips the rest


def init_app(app):
    """Make `loads` the app's JSON parser; call after the hooks that change the body (gzip)."""
    app.json = JsonProvider(app)
    app.request_class = JsonRequest
    app.before_request(_parse_json_body)
