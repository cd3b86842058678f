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
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from sync.cursor import CursorError, decode_marked_cursor, encode_cursor
from sync.hlc import Clock
from sync.quantity import format_milli
from sync.records import ENTITIES as SYNCED
from sync.records import format_time, parse_time

from ..engine import outbox
from ..engine.apply import apply_ops
from ..engine.feed import feed_position, read_changes
from ..engine.models import Device
from ..engine.older_history import older_movements, opening_stock
from ..engine.records import MODELS
from ..engine.scope import actor_for, may_see
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import HLC, ErrorDetailSchema, signed_in
from ..web.schemas import FIRST_YEAR, LAST_YEAR, UUID_RE, BaseSchema, Uuid
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
    "since": {
        "type": "string",
        "format": "date-time",
        "description": "A recent-first first sync (an addition to SYNC-CONTRACT's Pull): movements that "
        "occurred before this time are left out, and the last page (`more` false) carries `openings`, each "
        "product's stock from the movements left out, up to the cursor it returns. Send the same value on every "
        "page of one first sync and leave it out afterwards: later pulls carry every change, back-dated movements "
        "included. The movements left out come from /sync/history. Not for hubs (a hub keeps a whole copy).",
    },
}
HISTORY_PARAMETERS = {
    "product_id": {"type": "string", "format": "uuid", "description": "The product whose older movements to list."},
    "before": {"type": "string", "format": "date-time", "description": "Movements that occurred before this time."},
    "page": {"type": "string", "description": "The `next` of the previous answer; none: from the first."},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 500},
}


class ChangeSchema(BaseSchema):
    entity = fields.String(required=True, metadata={"enum": ENTITIES})
    entity_id = fields.String(required=True)
    action = fields.String(required=True, metadata={"enum": ACTIONS})
    data = fields.Dict(metadata={"description": "The record's whole current state (upserts only)."})


class OpeningsSchema(BaseSchema):
    as_of = fields.String(required=True, metadata={"description": "The `since` of the pull.", "format": "date-time"})
    stock = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "Product id -> the sum (a decimal string) of its movements that occurred before `as_of` "
            "and were left out; a product not named has none. Stock on hand is its opening plus every movement "
            "pulled."
        },
    )


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
    openings = fields.Nested(OpeningsSchema, metadata={"description": "On the last page of a pull with `since` only."})
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


class HistoryAnswerSchema(BaseSchema):
    changes = fields.List(
        fields.Nested(ChangeSchema),
        required=True,
        metadata={"description": "Movement upserts, as a pull gives them, oldest change first."},
    )
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "The next page's `page`; null: none."}
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
    secret = cursor_key(config)
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
        changes, after, more = read_changes(actor_for(user), after, upto, args["limit"], args["since"])
        cursor = encode_cursor(secret, user.id, user.scope_version, after, given)
    _mark_synced(get_jwt()["dev"])
    # The changes are JSON text already (server/engine/feed.py): don't parse and re-render them.
    tail = {"cursor": cursor, "more": more, "reset": reset, "hlc": hlc}
    if rejected:  # an idle pull stays as small as it was
        tail["rejected"] = rejected
    if args["since"] is not None and not more:  # the last page of a recent-first sync
        tail["openings"] = _openings(user, args["since"], after)
    tail = orjson.dumps(tail)
    response = Response(b'{"changes":[' + changes + b"]," + tail[1:], mimetype="application/json")
    if more:
        # The next page's address (RFC 8288), so that a device can ask for it before it has
        # read this one: the server works on the next page while the device stores this one.
        following = {"cursor": cursor, "limit": args["limit"]}
        if args["since"] is not None:
            following["since"] = request.args["since"]
        response.headers["Link"] = f'<{request.path}?{urlencode(following)}>; rel="next"'
    return response


@blp.route("/history", methods=["GET"])
@signed_in(blp, 400, 403)
@blp.doc(parameters=[{"in": "query", "name": name, "schema": schema} for name, schema in HISTORY_PARAMETERS.items()])
@blp.response(200, HistoryAnswerSchema)
def history():
    """A product's movements that occurred before a time: the older history a recent-first sync left out."""
    product_id = request.args.get("product_id", "")
    if not UUID_RE.fullmatch(product_id):
        raise ApiError(400, "invalid_parameter", _field("product_id", "invalid_uuid"))
    before = _time_arg("before", required=True)
    page = request.args.get("page", "0")
    if not page.isascii() or not page.isdigit() or len(page) > 18:
        raise ApiError(400, "invalid_parameter", _field("page", "invalid"))
    limit = _limit_arg()
    actor = actor_for(get_current_user())
    producer = _producer_of(product_id)
    if producer is not None and not may_see(actor, producer.village_code, producer.created_by, producer.phone):
        raise ApiError(403, "forbidden")
    changes, following = older_movements(actor, product_id, before, int(page), limit)
    tail = orjson.dumps({"next": None if following is None else str(following)})
    return Response(b'{"changes":[' + changes + b"]," + tail[1:], mimetype="application/json")


def _producer_of(product_id):
    """The producer record of a product, or None for a product unknown here."""
    products, producers = MODELS["product"], MODELS["producer"]
    owner = select(products.producer_id).where(products.id == product_id).scalar_subquery()
    return db.session.scalar(select(producers).where(producers.id == owner))


def cursor_key(config):
    """The key this server signs its cursors with; each hub's differs from its region's.

    Even when an operator copied the region's secrets to a hub, a cursor holds only on the server
    that issued it: a phone moving between them is answered `invalid_cursor` (one reset pull),
    never a place in another server's feed."""
    secret = config["CURSOR_SECRET_KEY"]
    return (f"hub|{config['HUB_PHONE']}|{secret}" if config.get("UPSTREAM_URL") else secret).encode()


def _pull_args():
    """cursor, limit and since from the query string; a value of the wrong type or range is a 400."""
    since = _time_arg("since")
    if since is not None and get_current_user().role == "hub":
        raise ApiError(400, "invalid_parameter", _field("since", "not_for_hubs"))
    return {"cursor": request.args.get("cursor"), "limit": _limit_arg(), "since": since}


def _limit_arg():
    limit = request.args.get("limit", "500")
    if not limit.isascii() or not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise ApiError(400, "invalid_parameter", _field("limit", "out_of_range"))
    return int(limit)


def _time_arg(name, required=False):
    """An RFC 3339 UTC time from the query string as a naive datetime; None when absent and not required."""
    text = request.args.get(name)
    if text is None and not required:
        return None
    parsed = parse_time(text)
    if parsed is None:
        raise ApiError(400, "invalid_parameter", _field(name, "invalid_datetime"))
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ApiError(400, "invalid_parameter", _field(name, "out_of_range"))
    return parsed


def _openings(user, since, upto):
    """Each product's stock from the movements in scope up to seq `upto` that occurred before `since`."""
    stock = opening_stock(actor_for(user), since, upto)
    return {
        "as_of": format_time(since),
        "stock": {product: format_milli(milli) for product, milli in sorted(stock.items())},
    }


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
