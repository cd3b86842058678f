"""Enrolment at a hub (SYNC-CONTRACT 1.1, Hubs): a producer's phone that was never online gets its tokens.

POST /api/v1/hub/enroll, on a hub only: a facilitator (or admin) signed in at the hub enrols a
phone for a producer account it manages, one the hub mirrors from upstream. The hub answers
access and refresh tokens signed with its own key, kid its account id upstream, `dev` the
session id sync.ids.device_session_id derives and `did` the phone's device id: the regional
server registers that same session when the hub relays the phone's first op, or when the phone
first comes to it directly, so the tokens hold there too, for accounts of the hub's kecamatan.

No PIN is asked or kept: the producer never typed one at the hub. An account the hub does not
mirror (made upstream after the hub's last cycle, or never) is `account_not_at_hub` (404).
"""

from flask import current_app
from flask_jwt_extended import current_user

from sync.ids import device_session_id

from ..engine import hub_accounts
from ..engine.models import User
from ..engine.scope import actor_for, actors_by_id, lies_within, manages, signed_in_account, user_regions
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import signed_in
from ..web.schemas import BaseSchema, Uuid
from ..web.timeutil import utcnow
from .auth import TokensSchema, account_json, device_tokens, hub_account_id

blp = Blueprint("enrolment", __name__, url_prefix="/api/v1/hub", description="Enrolling phones at a hub")
ENROLLING_ROLES = ("facilitator", "admin")


class EnrolmentSchema(BaseSchema):
    user_id = Uuid(required=True, metadata={"description": "The producer account the phone is for."})
    device_id = Uuid(required=True, metadata={"description": "The phone's own device id."})


@blp.route("/enroll", methods=["POST"])
@signed_in(blp, 400, 403, 404, 413, 422)
@blp.arguments(EnrolmentSchema)
@blp.response(200, TokensSchema)
def enroll(body):
    """Enrol a producer's phone at this hub: its tokens, signed by the hub (facilitators and admins
    managing the producer; hubs only)."""
    producer = managed_producer(body["user_id"])
    return producer_tokens(producer.id, body["device_id"])


def managed_producer(user_id):
    """The producer account, mirrored here, that the signed-in facilitator or admin may enrol a phone
    for; else the error that says why not."""
    hub_id = ready_hub()
    if current_user.role not in ENROLLING_ROLES:
        raise ApiError(403, "forbidden")
    producer = actors_by_id({user_id}).get(user_id)
    if producer is None or producer.role != "producer":
        raise ApiError(404, "account_not_at_hub")
    if not manages(actor_for(current_user), producer) or not lies_within(user_regions(hub_id), producer.regions):
        raise ApiError(403, "forbidden")
    return producer


def ready_hub():
    """This hub's account id upstream; a 404 on a regional server, a 503 before the hub first reached upstream."""
    if not current_app.config.get("UPSTREAM_URL"):
        raise ApiError(404, "not_a_hub")
    hub_id = hub_account_id()
    if hub_id is None:
        raise ApiError(503, "hub_not_ready", headers={"Retry-After": "30"})  # a relay cycle's wait
    return hub_id


def producer_tokens(producer_id, device_id):
    """The producer's access and refresh tokens for a phone, signed by the hub, its session registered."""
    session = device_session_id(producer_id, device_id)
    hub_accounts.register_session(session, producer_id, utcnow(), device_id=device_id)
    if signed_in_account(session, producer_id).revoked_at is not None:
        raise ApiError(403, "device_revoked")  # revoked upstream: enrolling it again gives it nothing
    tokens = device_tokens(producer_id, {"dev": session, "did": device_id})
    return {**tokens, "user": account_json(db.session.get(User, producer_id))}
