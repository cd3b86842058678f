"""Claim codes: how a producer's own phone, never online, gets enrolled at a hub.

A facilitator (or admin) signed in at the hub asks for a code for a producer it manages
(POST /api/v1/hub/claim-codes): eight letters and digits none of which reads as another, good for
CLAIM_CODE_MINUTES and once, kept only as its SHA-256. The producer types it on their phone, or opens
the QR of its address (`#/claim/<code>`), and the phone trades it for its tokens
(POST /api/v1/hub/claim), as POST /api/v1/hub/enroll would answer them. Wrong codes count against
the phone's address like wrong PINs: past CLAIM_FAILURES_PER_ADDRESS in the login window, 429.
"""

import hashlib
import secrets
from datetime import timedelta

import segno
from flask import current_app, request
from flask_jwt_extended import current_user
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import select, update

from ..engine.models import ClaimCode, LoginAttempt, User
from ..extensions import db
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import error_answers, signed_in
from ..web.schemas import BaseSchema, Phone, Uuid
from ..web.timeutil import rfc3339, utcnow
from .auth import TokensSchema, retry_after, too_many_attempts
from .enrolment import managed_producer, producer_tokens, ready_hub

blp = Blueprint("claim", __name__, url_prefix="/api/v1/hub", description="Enrolling phones at a hub")
ALPHABET = "ACDEFGHJKMNPQRTUVWXY345679"  # none read as another: no 0/O, 1/I/L, 2/Z, 5/S, 8/B
CODE_LENGTH = 8
FAILED_CLAIM = "claim_code"  # the `phone` a failed claim is counted under in login_attempts


class ClaimCodeRequestSchema(BaseSchema):
    user_id = Uuid(metadata={"description": "The producer account the phone is for; or its phone."})
    phone = Phone(metadata={"description": "The producer account's phone, as on the producer record."})

    @validates_schema
    def _one_of_them(self, data, **kwargs):
        if ("user_id" in data) == ("phone" in data):
            raise ValidationError("Give user_id or phone, one of them.")


class ClaimCodeSchema(BaseSchema):
    code = fields.String(required=True, metadata={"pattern": f"^[{ALPHABET}]{{{CODE_LENGTH}}}$"})
    url = fields.String(required=True, metadata={"description": "The hub's app, opening the claim: for a QR."})
    qr = fields.String(required=True, metadata={"description": "The url as a QR code: an SVG data URI."})
    expires_at = fields.String(required=True, metadata={"format": "date-time"})


class ClaimSchema(BaseSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The code as typed: case, spaces and dashes do not matter."},
    )
    device_id = Uuid(required=True, metadata={"description": "The producer's phone's own device id."})


@blp.route("/claim-codes", methods=["POST"])
@signed_in(blp, 400, 403, 404, 413, 422)
@blp.arguments(ClaimCodeRequestSchema)
@blp.response(201, ClaimCodeSchema)
def issue(body):
    """A one-time code that enrols a phone for a producer (facilitators and admins managing the producer; hubs only)."""
    producer = managed_producer(body.get("user_id") or _account_with_phone(body["phone"]))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires = utcnow() + timedelta(minutes=current_app.config["CLAIM_CODE_MINUTES"])
    db.session.add(ClaimCode(code_hash=_hash(code), user_id=producer.id, issued_by=current_user.id, expires_at=expires))
    db.session.commit()
    url = f"{request.host_url}#/claim/{code}"
    qr = segno.make(url, error="m").svg_data_uri(border=2)
    return {"code": code, "url": url, "qr": qr, "expires_at": rfc3339(expires)}


def _account_with_phone(phone):
    user_id = db.session.scalar(select(User.id).where(User.phone == phone))
    if user_id is None:
        raise ApiError(404, "account_not_at_hub")
    return user_id


@blp.route("/claim", methods=["POST"])
@error_answers(blp, 400, 403, 404, 413, 422, 429, public=True)
@blp.arguments(ClaimSchema)
@blp.response(200, TokensSchema)
def claim(body):
    """Trade a claim code for the producer's tokens on this phone, once (hubs only)."""
    ready_hub()
    now = utcnow()
    address = request.remote_addr or "unknown"
    limit = current_app.config["CLAIM_FAILURES_PER_ADDRESS"]
    retry = retry_after(limit, now, LoginAttempt.phone == FAILED_CLAIM, LoginAttempt.address == address)
    if retry:
        raise too_many_attempts(retry, "too_many_codes")
    user_id = _use(body["code"], now)
    if user_id is None:
        db.session.add(LoginAttempt(phone=FAILED_CLAIM, address=address, at=now))
        db.session.commit()
        raise ApiError(404, "claim_code_invalid")
    tokens = producer_tokens(user_id, body["device_id"])
    db.session.commit()
    return tokens


def _use(code, now):
    """Mark the code used if it is unused and fresh, in one statement (of two phones racing, one
    wins); answers its producer's id, or None."""
    table = ClaimCode.__table__
    marked = db.session.execute(
        update(table)
        .where(table.c.code_hash == _hash(code), table.c.claimed_at.is_(None), table.c.expires_at > now)
        .values(claimed_at=now)
        .returning(table.c.user_id)
    ).first()
    return None if marked is None else marked.user_id


def _hash(code):
    typed = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(typed.encode()).hexdigest()
