"""Conflict records: values that lost to later ones, and edits of deleted records."""

from flask_jwt_extended import current_user
from marshmallow import fields
from sqlalchemy import select

from ..engine.models import Conflict
from ..engine.records import MODELS
from ..engine.scope import actor_for, may_see
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import signed_in
from ..web.schemas import BaseSchema, Uuid
from ..web.timeutil import rfc3339

blp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts", description="Conflict records")


class ConflictArgs(BaseSchema):
    entity_id = Uuid(required=True)


class ConflictSchema(BaseSchema):
    id = fields.Integer(required=True)
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    op_id = fields.String(required=True)
    reason = fields.String(required=True, metadata={"enum": ["lost_to_later", "deleted"]})
    field = fields.String(required=True, allow_none=True)
    value = fields.Raw(required=True, allow_none=True)
    hlc = fields.String(required=True)
    winning_hlc = fields.String(required=True, allow_none=True)
    user_id = fields.String(required=True, allow_none=True)
    device_id = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)


@blp.route("", methods=["GET"])
@signed_in(blp, 400, 403)
@blp.arguments(ConflictArgs, location="query", error_status_code=400)
@blp.response(200, ConflictSchema(many=True))
def list_conflicts(args):
    """The conflict records of one record, for facilitators and admins who may see it."""
    if current_user.role == "producer":
        raise ApiError(403, "forbidden")
    owner = _owner_of(args["entity_id"])
    if owner is not None and not may_see(actor_for(current_user), owner.village_code, owner.created_by, owner.phone):
        raise ApiError(403, "forbidden")
    rows = db.session.scalars(select(Conflict).where(Conflict.entity_id == args["entity_id"]).order_by(Conflict.id))
    return [_conflict_json(c) for c in rows if owner is not None]


def _owner_of(entity_id):
    """The producer record (a row) that a record belongs to (for the scope check), or None."""
    for entity, model in MODELS.items():
        row = db.session.scalar(select(model).where(model.id == entity_id))
        if row is not None:
            return row if entity == "producer" else db.session.get(MODELS["producer"], row.producer_id)
    return None


def _conflict_json(conflict):
    return {
        "id": conflict.id,
        "entity": conflict.entity,
        "entity_id": conflict.entity_id,
        "op_id": conflict.op_id,
        "reason": conflict.reason,
        "field": conflict.field,
        "value": conflict.value,
        "hlc": conflict.hlc,
        "winning_hlc": conflict.winning_hlc,
        "user_id": conflict.user_id,
        "device_id": conflict.device_id,
        "created_at": rfc3339(conflict.created_at),
    }
