"""Devices: one per login of an account; revoking one stops its tokens at once."""

from flask import abort
from flask_jwt_extended import current_user
from marshmallow import fields
from sqlalchemy import select

from ..engine.models import Device, User
from ..engine.scope import actor_for, manages
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import signed_in
from ..web.schemas import BaseSchema, Uuid
from ..web.timeutil import rfc3339, utcnow

blp = Blueprint("devices", __name__, url_prefix="/api/v1/devices", description="Devices")


class DeviceArgs(BaseSchema):
    user_id = Uuid()


class DeviceSchema(BaseSchema):
    device_id = fields.String(required=True)
    user_id = fields.String(required=True)
    user_agent = fields.String(required=True)
    created_at = fields.String(required=True)
    last_seen_at = fields.String(required=True)
    last_sync_at = fields.String(required=True, allow_none=True)
    revoked_at = fields.String(required=True, allow_none=True)


def device_json(device):
    """A device as the API shows it."""
    return {
        "device_id": device.device_id,
        "user_id": device.user_id,
        "user_agent": device.user_agent,
        "created_at": rfc3339(device.created_at),
        "last_seen_at": rfc3339(device.last_seen_at),
        "last_sync_at": rfc3339(device.last_sync_at),
        "revoked_at": rfc3339(device.revoked_at),
    }


@blp.route("", methods=["GET"])
@signed_in(blp, 400, 403, 404)
@blp.arguments(DeviceArgs, location="query", error_status_code=400)
@blp.response(200, DeviceSchema(many=True))
def list_devices(args):
    """List the caller's devices; an admin may ask for an account's with ?user_id=."""
    user = current_user
    if args.get("user_id") and args["user_id"] != current_user.id:
        user = db.session.get(User, args["user_id"])
        if user is None:
            abort(404)
        if current_user.role != "admin" or not manages(actor_for(current_user), actor_for(user)):
            raise ApiError(403, "forbidden")
    devices = db.session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.created_at))
    return [device_json(d) for d in devices]


@blp.route("/<uuid_text:device_id>/revoke", methods=["POST"])
@signed_in(blp, 400, 403, 404)
@blp.arguments(DeviceArgs, location="query", error_status_code=400)
@blp.response(200, DeviceSchema(many=True))
def revoke_device(args, device_id):
    """Revoke a device: its refresh and access tokens are refused from now on."""
    devices = db.session.scalars(select(Device).where(Device.device_id == device_id)).all()
    if args.get("user_id"):
        devices = [d for d in devices if d.user_id == args["user_id"]]
    mine = [d for d in devices if d.user_id == current_user.id]
    targets = mine or [d for d in devices if _may_revoke(d)]
    if not devices:
        abort(404)
    if not targets:
        raise ApiError(403, "forbidden")
    now = utcnow()
    for device in targets:
        device.revoked_at = device.revoked_at or now
    db.session.commit()
    return [device_json(d) for d in targets]


def _may_revoke(device):
    owner = db.session.get(User, device.user_id)
    return current_user.role == "admin" and owner is not None and manages(actor_for(current_user), actor_for(owner))
