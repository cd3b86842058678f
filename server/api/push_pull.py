"""Push and pull, as SYNC-CONTRACT.md writes them.

Push: a device sends ops (at most 1,000 and 2 MB); each is applied once, in order, in one
transaction, and answered applied, duplicate or rejected. Pull: a device follows an opaque
cursor and gets the current state of every record in its scope that changed after it.
"""

from datetime import timedelta
from urllib.parse import urlencode

import orjson
from flask import Response, current_app, g, request
from flask_jwt_extended import current_user, get_current_user, get_jwt
from marshmallow import fields, validate
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from sync.cursor import CursorError, decode_marked_cursor, encode_cursor
from sync.hlc import Clock
from sync.records import ENTITIES as SYNCED

from ..engine import outbox
from ..engine.apply import apply_ops
from ..engine.feed import feed_position, read_changes
from ..engine.models import Device
from ..engine.scope import actor_for
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import HLC, ErrorDetailSchema, signed_in
from ..web.schemas import UUID_RE, BaseSchema, Uuid
from ..web.timeutil import utcnow

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Push ops, pull changes")

MAX_OPS = 1000
ENTITIES = list(SYNCED)  # sync/records.py names them
ACTIONS = ["upsert", "delete"]
MAX_LIMIT = 5000


class AuthorSchema(BaseSchema):
    user_id = Uuid(required=True, metadata={"description": "The account that made the op."})
    device_id = Uuid(required=True, metadata={"description": "The device it made the op on."})


class OpSchema(BaseSchema):
    op_id = Uuid(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    entity_id = Uuid(required=True)
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    op_fields = fields.Dict(data_key="fields", metadata={"description": "The record's fields to set (upsert only)."})
    hlc = fields.String(required=True, metadata={"example": "0001764230400000:0000:device-id", "pattern": HLC})
    author = fields.Nested(
        AuthorSchema,
        metadata={
            "description": "On every op of a hub's push, and on no other: who made it. The op is checked against "
            "its author's scope and the hub's, and recorded as the author's (SYNC-CONTRACT 1.1, Relay)."
        },
    )


class PushSchema(BaseSchema):
    device_id = Uuid(required=True)
    ops = fields.List(fields.Nested(OpSchema), required=True, validate=validate.Length(max=MAX_OPS))


class ResultSchema(BaseSchema):
    op_id = fields.String(
        required=True, allow_none=True, metadata={"description": "The op's op_id as sent; null when it had none."}
    )
    status = fields.String(required=True, metadata={"enum": ["applied", "duplicate", "rejected"]})
    error = fields.Nested(ErrorDetailSchema, metadata={"description": "Why a rejected op was not applied."})
    hlc = fields.String(metadata={"description": "Present when the server re-stamped an op's clock.", "pattern": HLC})


class PushAnswerSchema(BaseSchema):
    results = fields.List(fields.Nested(ResultSchema), required=True)
    hlc = fields.String(required=True, metadata={"pattern": HLC})


# Read by hand rather than by a schema: the idle pull is the most frequent request of all.
PULL_PARAMETERS = {
    "cursor": {"type": "string", "description": "The cursor of the previous answer; none: from the beginning."},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 500},
}


class ChangeSchema(BaseSchema):
    entity = fields.String(required=True, metadata={"enum": ENTITIES})
    entity_id = fields.String(required=True)
    action = fields.String(required=True, metadata={"enum": ACTIONS})
    data = fields.Dict(metadata={"description": "The record's whole current state (upserts only)."})


class RejectedOpSchema(BaseSchema):
    op_id = Uuid(required=True)
    entity = fields.String(required=True, metadata={"enum": ENTITIES})
    entity_id = Uuid(required=True)
    action = fields.String(required=True, metadata={"enum": ACTIONS})
    op_fields = fields.Dict(data_key="fields", required=True, metadata={"description": "As the op set them."})
    hlc = fields.String(required=True, metadata={"pattern": HLC})
    error = fields.Nested(ErrorDetailSchema, required=True, metadata={"description": "Why upstream rejected it."})


class PullAnswerSchema(BaseSchema):
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.String(required=True)
    more = fields.Boolean(required=True)
    reset = fields.Boolean(required=True)
    hlc = fields.String(required=True, metadata={"pattern": HLC})
    rejected = fields.List(
        fields.Nested(RejectedOpSchema),
        metadata={
            "description": "At a hub, and only when there are any: ops of the caller's account that the hub "
            "applied but upstream rejected (SYNC-CONTRACT 1.1, Relay). They come again in every pull until one "
            "presents a cursor issued with them, so a device takes them once, keyed by op_id, together with "
            "the page's cursor; a pull without a cursor starts after those rejected before it. The hub's copy "
            "returns to upstream's state of their records."
        },
    )


@blp.route("/push", methods=["POST"])
@signed_in(blp, 400, 413, 422)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": PushSchema}}})
@blp.response(200, PushAnswerSchema)
def push():
    """Apply a device's ops in order, once each; answers one result per op."""
    body = _json_body()
    if not isinstance(body, dict) or not isinstance(body.get("ops"), list):
        raise ApiError(422, "validation_error", _field("ops", "not_a_list"))
    if not isinstance(body.get("device_id"), str) or not UUID_RE.fullmatch(body["device_id"]):
        raise ApiError(422, "validation_error", _field("device_id", "invalid_uuid"))
    if len(body["ops"]) > MAX_OPS:
        raise ApiError(413, "payload_too_large", {"max_ops": MAX_OPS})
    # A locked database raises OperationalError: answered 503 with Retry-After (server/web/errors.py).
    _mark_synced(get_jwt()["dev"], always=True)
    results, hlc = apply_ops(actor_for(current_user), body["ops"], body["device_id"])
    return _json({"results": results, "hlc": hlc})


@blp.route("/pull", methods=["GET"])
@signed_in(blp, 400)
@blp.doc(parameters=[{"in": "query", "name": name, "schema": schema} for name, schema in PULL_PARAMETERS.items()])
@blp.response(200, PullAnswerSchema)
def pull():
    """Changes in the caller's scope after the cursor, each record once, in its current state."""
    args = _pull_args()
    user = get_current_user()  # the Account itself, not the proxy: read several times below
    config = current_app.config
    secret = config["CURSOR_SECRET_KEY"].encode()  # a cursor holds on the server that issued it
    after, reset, mark = 0, False, 0
    if args["cursor"]:
        try:
            scope_version, after, mark = decode_marked_cursor(secret, args["cursor"], user.id)
        except CursorError as exc:
            raise ApiError(400, "invalid_cursor", {"reason": str(exc)}) from exc
        if scope_version != user.scope_version:
            after, reset = 0, True
    rejected, given = [], mark
    if config.get("UPSTREAM_URL") and args["cursor"]:  # a hub: the caller's rejections, until a cursor has them
        rejected, given = outbox.rejections_after(user.id, mark)
    elif config.get("UPSTREAM_URL"):
        # A device's first pull starts after the account's past rejections: a new phone of the
        # account is not asked to fix what another fixed or dropped long ago.
        given = outbox.last_rejection(user.id)
    upto, last_hlc = feed_position()
    hlc = Clock(config["SERVER_ID"], last_hlc).peek()
    if after >= upto and not reset:
        # The most common request of all: nothing new. No scope queries, and the cursor stays
        # the one the device sent (it would be signed the same again).
        changes, more = b"", False
        if given == mark and args["cursor"]:
            cursor = args["cursor"]
        else:
            cursor = encode_cursor(secret, user.id, user.scope_version, after, given)
    else:
        changes, last, more = read_changes(actor_for(user), after, upto, args["limit"])
        cursor = encode_cursor(secret, user.id, user.scope_version, last, given)
    _mark_synced(get_jwt()["dev"])
    # The changes are JSON text already (server/engine/feed.py): don't parse and re-render them.
    tail = {"cursor": cursor, "more": more, "reset": reset, "hlc": hlc}
    if rejected:  # an idle pull stays as small as it was
        tail["rejected"] = rejected
    tail = orjson.dumps(tail)
    response = Response(b'{"changes":[' + changes + b"]," + tail[1:], mimetype="application/json")
    if more:
        # The next page's address (RFC 8288), so that a device can ask for it before it has
        # read this one: the server works on the next page while the device stores this one.
        response.headers["Link"] = (
            f'<{request.path}?{urlencode({"cursor": cursor, "limit": args["limit"]})}>; rel="next"'
        )
    return response


def _pull_args():
    """cursor and limit from the query string; a limit of the wrong type or range is a 400."""
    limit = request.args.get("limit", "500")
    if not limit.isascii() or not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise ApiError(400, "invalid_parameter", _field("limit", "out_of_range"))
    return {"cursor": request.args.get("cursor"), "limit": int(limit)}


def _json_body():
    # JSON whatever the Content-Type says. get_json parses with the app's one parser
    # (server/web/json_body.py), once: a body declared JSON was parsed before the view.
    return request.get_json(force=True)


def _json(payload):
    body = orjson.dumps(payload)
    return Response(body, mimetype="application/json")


def _field(name, code):
    from ..web.errors import field_errors

    return field_errors({name: (code, {})})


def _mark_synced(device_row_id, always=False):
    """Remember when a device last synced (for the freshness dashboard), at most every few minutes."""
    now = utcnow()
    last = g.get("device_last_sync")
    if not always and last is not None and last > now - timedelta(minutes=5):
        return  # a pull that writes nothing never takes the write lock
    # The table, not the ORM class: an ORM update would first look for Device objects to keep
    # in step, and no request holds any.
    devices = Device.__table__
    stamp = update(devices).where(devices.c.id == device_row_id).values(last_sync_at=now, last_seen_at=now)
    if always:  # a push: inside its own write transaction
        db.session.execute(stamp)
        return
    try:
        db.session.execute(stamp)
        db.session.commit()
    except OperationalError:
        # Freshness is worth less than the pull itself: a busy database skips it this time.
        db.session.rollback()
