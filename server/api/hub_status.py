"""A hub's status page for the facilitator (only on a hub: a server with LUMBUNG_UPSTREAM_URL).

GET /api/v1/hub/status: when the hub last reached upstream (or last failed, and why), how many
ops wait to go up, which devices synced here and when, and the hub's address with its QR code,
so a phone's camera opens the hub. POST /api/v1/hub/sync-now: asks the relay for a cycle now
(server/engine/sync_now.py). Facilitators and admins whose regions lie in the hub's kecamatan, or
cover it, may use both. GET /api/v1/hub/ca.crt, public: the hub's own certificate authority
(server/hub/certificate.py), for phones to install once. On a regional server all answer 404.
"""

from functools import wraps
from pathlib import Path

import segno
from flask import Response, current_app, jsonify, request
from flask_jwt_extended import current_user
from marshmallow import fields
from sqlalchemy import select

from sync.phone import normalize_phone

from ..engine import hub_state, outbox, sync_now
from ..engine.models import Device, User
from ..engine.scope import covers, user_regions
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import error_answers, signed_in
from ..web.schemas import BaseSchema
from ..web.timeutil import rfc3339

blp = Blueprint("hub_status", __name__, url_prefix="/api/v1/hub", description="A hub's status, for its facilitator")

DEVICES_SHOWN = 200  # the most recent; a kecamatan office sees a few dozen phones


class HubDeviceSchema(BaseSchema):
    name = fields.String(required=True, metadata={"description": "The account's name."})
    role = fields.String(required=True)
    device_id = fields.String(required=True)
    last_sync_at = fields.String(required=True)


class QrSchema(BaseSchema):
    size = fields.Integer(required=True, metadata={"description": "Modules a side, the quiet zone included."})
    path = fields.String(required=True, metadata={"description": "SVG path data of the dark modules, one unit each."})


class HubStatusSchema(BaseSchema):
    kecamatan = fields.String(required=True, allow_none=True)
    reached_at = fields.String(required=True, allow_none=True, metadata={"description": "Last cycle that finished."})
    failed_at = fields.String(required=True, allow_none=True, metadata={"description": "Last cycle that failed."})
    last_error = fields.String(required=True, allow_none=True)
    sync_requested_at = fields.String(required=True, allow_none=True)
    waiting = fields.Integer(required=True, metadata={"description": "Ops upstream has not answered yet."})
    devices = fields.List(fields.Nested(HubDeviceSchema), required=True)
    address = fields.String(required=True, metadata={"description": "Where phones open the hub."})
    address_qr = fields.Nested(QrSchema, required=True)
    authority = fields.Boolean(
        required=True, metadata={"description": "Whether the hub has its own authority (GET /api/v1/hub/ca.crt)."}
    )


class SyncRequestSchema(BaseSchema):
    sync_requested_at = fields.String(required=True)


def hub_only(view):
    """404 on a server that is not a hub, before anything else is asked."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_app.config["UPSTREAM_URL"]:
            raise ApiError(404, "not_found")
        return view(*args, **kwargs)

    return guarded


def hub_kecamatan():
    """The kecamatan of the hub's own account, as mirrored from upstream (None before the first cycle)."""
    phone = current_app.config["HUB_PHONE"]
    hub = db.session.scalar(select(User.id).where(User.phone == (normalize_phone(phone) or phone)))
    regions = user_regions(hub) if hub else []
    return regions[0] if regions else None


def check_facilitator(kecamatan):
    """403 unless the caller is a facilitator or admin with a region in the kecamatan or covering it."""
    regions = user_regions(current_user.id)
    near = kecamatan and any(covers([kecamatan], code) or covers([code], kecamatan) for code in regions)
    if current_user.role not in ("facilitator", "admin") or not near:
        raise ApiError(403, "forbidden")


def hub_address():
    """Where phones open the hub: LUMBUNG_HUB_ADDRESS, else the address this request came to."""
    return current_app.config["HUB_ADDRESS"] or request.host_url


def qr_of(text):
    """A QR code of the text as SVG path data: one 1x1 square a dark module, rows run together."""
    code = segno.make(text, error="m")
    parts = []
    for y, row in enumerate(code.matrix_iter(border=4)):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return {"size": code.symbol_size(border=4)[0], "path": "".join(parts)}


def synced_devices():
    """The devices that synced at this hub, the latest first, with their accounts."""
    rows = db.session.execute(
        select(User.name, User.role, Device.device_id, Device.last_sync_at)
        .join(User, User.id == Device.user_id)
        .where(Device.last_sync_at.is_not(None))
        .order_by(Device.last_sync_at.desc())
        .limit(DEVICES_SHOWN)
    )
    return [
        {"name": name, "role": role, "device_id": device_id, "last_sync_at": rfc3339(at)}
        for name, role, device_id, at in rows
    ]


@blp.route("/status", methods=["GET"])
@hub_only
@signed_in(blp, 403, 404)
@blp.response(200, HubStatusSchema)
def hub_status():
    """The hub's relay and devices, for the facilitator; only on a hub."""
    kecamatan = hub_kecamatan()
    check_facilitator(kecamatan)
    address = hub_address()
    return jsonify(
        {
            "kecamatan": kecamatan,
            "reached_at": hub_state.recall("reached_at"),
            "failed_at": hub_state.recall("failed_at"),
            "last_error": hub_state.recall("last_error"),
            "sync_requested_at": hub_state.recall(sync_now.REQUESTED),
            "waiting": outbox.waiting(),
            "devices": synced_devices(),
            "address": address,
            "address_qr": qr_of(address),
            "authority": bool(authority_path()),
        }
    )


AUTHORITY_TYPE = "application/x-x509-ca-cert"  # what a phone offers to install as a CA certificate


def authority_path():
    """The hub's authority certificate (flask hub certificate), or None when it has none."""
    path = Path(current_app.config["TLS_DIR"]) / "ca.crt"  # as server/hub/certificate.py names it
    return path if path.exists() else None


@blp.route("/ca.crt", methods=["GET"])
@hub_only
@error_answers(blp, 404, public=True)
@blp.doc(responses={"200": {"description": "The hub's authority, PEM.", "content": {AUTHORITY_TYPE: {}}}})
def hub_authority():
    """The certificate of the hub's own authority, for phones to install once; public, only on a hub
    with one."""
    path = authority_path()
    if path is None:
        raise ApiError(404, "not_found")
    disposition = {"Content-Disposition": "attachment; filename=lumbung-hub-ca.crt"}
    return Response(path.read_bytes(), mimetype=AUTHORITY_TYPE, headers=disposition)


@blp.route("/sync-now", methods=["POST"])
@hub_only
@signed_in(blp, 403, 404)
@blp.response(202, SyncRequestSchema)
def ask_for_sync():
    """Ask the hub's relay for a cycle now; it starts within a few seconds. Only on a hub."""
    check_facilitator(hub_kecamatan())
    at = sync_now.ask()
    db.session.commit()
    return jsonify({"sync_requested_at": at}), 202
