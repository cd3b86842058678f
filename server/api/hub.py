"""What a hub needs of the regional server beyond sync (SYNC-CONTRACT 1.1, Hubs).

GET /api/v1/hub/accounts: every account whose phones may sync at the hub, those with a region
inside its kecamatan or covering it, with the devices revoked here, so that the hub recognises
them offline and refuses a revoked device after its next cycle. Never a PIN hash: PIN hashes
never leave the regional server.

PUT /api/v1/hub/key: a hub registers its own public key on its account (server/hub/own_key.py).
"""

import json

from flask import jsonify
from flask_jwt_extended import current_user
from marshmallow import fields
from sqlalchemy import select

from ..engine.models import Device, User, UserRegion
from ..engine.scope import accounts_around, user_regions
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import signed_in
from ..web.schemas import BaseSchema, PublicJwk
from .auth import AccountSchema, account_json

blp = Blueprint("hub", __name__, url_prefix="/api/v1/hub", description="What a kecamatan hub reads upstream")


class HubAccountSchema(AccountSchema):
    class Meta:
        exclude = ("public_key",)

    scope_version = fields.Integer(
        required=True, metadata={"description": "Bumped when the account's regions change (pull cursors reset)."}
    )
    revoked_devices = fields.List(
        fields.String(), required=True, metadata={"description": "The ids of its devices revoked here."}
    )
    revoked_sessions = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The sessions of those devices (a token's dev): what a hub refuses."},
    )


class HubAccountsSchema(BaseSchema):
    accounts = fields.List(fields.Nested(HubAccountSchema), required=True)


@blp.route("/accounts", methods=["GET"])
@signed_in(blp, 403)
@blp.response(200, HubAccountsSchema)
def hub_accounts():
    """The accounts a hub recognises (a region inside its kecamatan or covering it), with their revoked
    devices; hub accounts only."""
    if current_user.role != "hub":
        raise ApiError(403, "forbidden")
    near = select(User.id).where(accounts_around(user_regions(current_user.id))).scalar_subquery()
    regions, revoked, sessions = {}, {}, {}
    region_rows = select(UserRegion.user_id, UserRegion.region_code).where(UserRegion.user_id.in_(near))
    for user_id, code in db.session.execute(region_rows.order_by(UserRegion.region_code)):
        regions.setdefault(user_id, []).append(code)
    revoked_rows = select(Device.user_id, Device.device_id, Device.id).where(
        Device.user_id.in_(near), Device.revoked_at.is_not(None)
    )
    for user_id, device_id, session in db.session.execute(revoked_rows.order_by(Device.device_id)):
        revoked.setdefault(user_id, []).append(device_id)
        sessions.setdefault(user_id, []).append(session)
    users = db.session.execute(
        select(User.id, User.phone, User.name, User.role, User.scope_version).where(User.id.in_(near)).order_by(User.id)
    )
    accounts = [
        {
            "id": user.id,
            "phone": user.phone,
            "name": user.name,
            "role": user.role,
            "regions": regions.get(user.id, []),
            "scope_version": user.scope_version,
            "revoked_devices": revoked.get(user.id, []),
            "revoked_sessions": sessions.get(user.id, []),
        }
        for user in users
    ]
    return jsonify({"accounts": accounts})


class HubKeySchema(BaseSchema):
    public_key = PublicJwk(
        required=True, metadata={"description": "The hub's public key, a JWK without its private part."}
    )


@blp.route("/key", methods=["PUT"])
@signed_in(blp, 400, 403, 413, 422)
@blp.arguments(HubKeySchema)
@blp.response(200, AccountSchema)
def put_hub_key(body):
    """A hub registers its own public key on its account (its relay does, on its first cycle); hub
    accounts only. The tokens it signs, kid its account id, then hold here for its kecamatan's accounts."""
    if current_user.role != "hub":
        raise ApiError(403, "forbidden")
    user = db.session.get(User, current_user.id)
    user.public_key = json.dumps(body["public_key"], sort_keys=True, separators=(",", ":"))
    db.session.commit()
    return account_json(user)
