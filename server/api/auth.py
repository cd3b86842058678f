"""Login, refresh and the token rules: a device per login, revocable at once.

Tokens are signed with this server's Ed25519 key (server/web/signing_keys.py). A token signed by
a hub's registered key, its kid the hub's account id, holds for the accounts of the hub's
kecamatan only: the hub enrols devices while its kecamatan has no internet.

On a hub, once its relay has learnt its account upstream (server/hub/own_key.py), the tokens it
signs name that account's id as kid, so the regional server honours them too.
"""

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app, g, request
from flask_jwt_extended import current_user, get_jwt, jwt_required
from jwt.algorithms import OKPAlgorithm
from jwt.exceptions import InvalidTokenError
from marshmallow import fields
from sqlalchemy import func, select

from sync.ids import device_session_id
from sync.records import UUID_RE

from ..engine import hub_accounts, hub_state
from ..engine.models import Device, LoginAttempt, User
from ..engine.scope import hub_key_rows, lies_within, signed_in_account, user_regions
from ..extensions import db, jwt
from ..web.errors import ApiError, error_response
from ..web.json_body import Blueprint
from ..web.openapi import error_answers
from ..web.pins import verify_pin
from ..web.schemas import REGION_PATTERN, BaseSchema, Phone, Pin, Uuid, new_uuid
from ..web.signing_keys import (
    ALGORITHM,
    SIGNING_KEY,
    current_signing_key,
    jwk_public_key,
    public_jwk,
    signing_key,
)
from ..web.timeutil import utcnow
from .upstream_login import login_upstream

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Login and tokens")


class LoginSchema(BaseSchema):
    phone = Phone(required=True, metadata={"example": "081200000001"})
    pin = Pin(required=True, metadata={"example": "246810"})
    device_id = Uuid(required=True)


class AccountSchema(BaseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": ["producer", "facilitator", "admin", "hub"]})
    phone = fields.String(required=True, metadata={"pattern": r"^\+62[0-9]+$"})
    regions = fields.List(fields.String(metadata={"pattern": f"^{REGION_PATTERN}$"}), required=True)
    public_key = fields.Dict(
        allow_none=True,
        metadata={"description": "A hub's registered public key as a JWK; its kid is the hub's id (hubs only)."},
    )


class TokensSchema(BaseSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    user = fields.Nested(AccountSchema, required=True)


class AccessTokenSchema(BaseSchema):
    access_token = fields.String(required=True)


def account_json(user):
    """An account as the API shows it; a hub's with its public key, named by the kid its tokens carry."""
    account = {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "phone": user.phone,
        "regions": user_regions(user.id),
    }
    if user.role == "hub":
        key = user.public_key and jwk_public_key(json.loads(user.public_key))
        account["public_key"] = key and public_jwk(key, user.id)
    return account


@blp.route("/login", methods=["POST"])
@error_answers(blp, 400, 401, 413, 422, 429, public=True)
@blp.arguments(LoginSchema)
@blp.response(200, TokensSchema)
def login(body):
    """Log in with phone and PIN on a device; answers access and refresh tokens."""
    now = utcnow()
    address = request.remote_addr or "unknown"
    config = current_app.config
    # Both limits are checked before any PIN is hashed, and past either no PIN logs in, not even
    # the right one: else spraying common PINs over many phones from one address would still find
    # accounts. Only wrong PINs are counted (a whole office may share one address).
    retries = (
        retry_after(config["LOGIN_FAILURES_PER_PHONE"], now, LoginAttempt.phone == body["phone"]),
        retry_after(config["LOGIN_FAILURES_PER_ADDRESS"], now, LoginAttempt.address == address),
    )
    if any(retries):
        raise too_many_attempts(max(retry for retry in retries if retry))
    if config.get("UPSTREAM_URL"):
        return _login_at_hub(body, address, now)
    user = db.session.scalar(select(User).where(User.phone == body["phone"]))
    if not verify_pin(user.pin_hash if user else None, body["pin"]):
        db.session.add(LoginAttempt(phone=body["phone"], address=address, at=now))
        db.session.commit()
        raise ApiError(401, "invalid_credentials")
    device = _device_for_login(user, body["device_id"], now)
    db.session.commit()
    return {**device_tokens(user.id, {"dev": device.id}), "user": account_json(user)}


def _login_at_hub(body, address, now):
    """At a hub the regional server checks the PIN; a wrong one counts here too, against the limits."""
    try:
        return login_upstream(body)
    except ApiError as error:
        if error.code == "invalid_credentials":
            db.session.add(LoginAttempt(phone=body["phone"], address=address, at=now))
            db.session.commit()
        raise


@blp.route("/refresh", methods=["POST"])
@error_answers(blp)
@blp.response(200, AccessTokenSchema)
@jwt_required(refresh=True)
def refresh():
    """Trade a refresh token for a new access token on the same device."""
    return {"access_token": access_token(current_user.id, device_claims(get_jwt()))}


def device_tokens(user_id, claims):
    """A device's access and refresh tokens for an account, carrying its device claims (`dev`, `did`)."""
    return {"access_token": access_token(user_id, claims), "refresh_token": _token(user_id, claims, refresh=True)}


def access_token(user_id, claims):
    """A new access token for an account on a device, carrying its device claims."""
    return _token(user_id, claims, refresh=False)


def _token(user_id, claims, refresh):
    # Only what is read: sub, the device claims, iat and exp (the PWA counts a token's lifetime as
    # exp - iat), and type for a refresh token (a token without it is an access token). Every byte
    # here is sent with each request.
    config = current_app.config
    lifetime = config["JWT_REFRESH_TOKEN_EXPIRES" if refresh else "JWT_ACCESS_TOKEN_EXPIRES"]
    now = int(time.time())
    payload = {"sub": user_id, **claims, "iat": now, "exp": now + int(lifetime.total_seconds())}
    if refresh:
        payload["type"] = "refresh"
    header = {"kid": own_kid(), "typ": None}  # no typ: the kid and alg say all
    return pyjwt.encode(payload, current_signing_key().private, algorithm=ALGORITHM, headers=header)


def device_claims(token):
    """The claims that name a token's device: `dev`, and `did` for a device a hub enrolled."""
    return {name: token[name] for name in ("dev", "did") if name in token}


def retry_after(limit, now, *where):
    """Seconds until fewer than `limit` failed attempts matching `where` (a phone, an address) lie in the
    window; None if fewer now."""
    since = now - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    recent = select(LoginAttempt.at).where(*where, LoginAttempt.at > since)
    count = db.session.scalar(select(func.count()).select_from(recent.subquery()))
    if count < limit:
        return None
    # The window must lose count - limit + 1 failures: wait until the last of those ages out.
    freeing = db.session.scalar(recent.order_by(LoginAttempt.at).offset(count - limit).limit(1))
    return int((freeing - since).total_seconds()) + 1


def too_many_attempts(retry, code="too_many_attempts"):
    """The 429 answered past a limit of wrong attempts, saying how many seconds to wait."""
    return ApiError(429, code, {"retry_after": retry}, {"Retry-After": str(retry)})


def _device_for_login(user, device_id, now):
    device = db.session.scalar(select(Device).where(Device.device_id == device_id, Device.user_id == user.id))
    agent = (request.user_agent.string or "")[:300]
    if device is None:
        device = Device(id=new_uuid(), device_id=device_id, user_id=user.id, created_at=now)
        db.session.add(device)
    elif device.revoked_at is not None:
        # A fresh session id, so the tokens issued before the revocation stay dead.
        device.id = new_uuid()
        device.revoked_at = None
    device.user_agent = agent
    device.last_seen_at = now
    return device


def init_app(app):
    """Token lifetimes, and the callbacks that answer token errors in our shape."""
    # Assigned, not setdefault: jwt.init_app has already filled in its own defaults (15 minutes, 30 days).
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=app.config["ACCESS_TOKEN_MINUTES"])
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(days=app.config["REFRESH_TOKEN_DAYS"])
    # Signed with this server's Ed25519 key (server/web/signing_keys.py); HS256 and the rest are refused.
    key = signing_key(app.config["JWT_PRIVATE_KEY"])
    app.extensions[SIGNING_KEY] = key
    app.config["JWT_PUBLIC_KEY"] = key.public
    app.config["JWT_ALGORITHM"] = ALGORITHM
    app.config["JWT_DECODE_ALGORITHMS"] = [ALGORITHM]
    if not isinstance(pyjwt.get_algorithm_by_name(ALGORITHM), RememberingEdDSA):
        pyjwt.unregister_algorithm(ALGORITHM)
        pyjwt.register_algorithm(ALGORITHM, RememberingEdDSA())
    # Bearer headers only: no cookies, so no CSRF claim, and every request carries a shorter token.
    app.config["JWT_TOKEN_LOCATION"] = ["headers"]
    app.config["JWT_COOKIE_CSRF_PROTECT"] = False


# Signatures verified, remembered by (public key, signed text, signature): a phone sends the same
# access token with every request of its lifetime. Expiry and revocation are still checked on
# every request; only the Ed25519 arithmetic is skipped for a signature already found good.
VERIFIED_SIGNATURES = 4096


class RememberingEdDSA(OKPAlgorithm):
    """PyJWT's EdDSA, remembering the last VERIFIED_SIGNATURES signatures it found good."""

    def verify(self, msg, key, sig):
        """Whether sig is key's signature of msg: remembered when good, else verified."""
        if not isinstance(key, Ed25519PublicKey):  # our keys are public Ed25519 ones; others as PyJWT does
            return super().verify(msg, key, sig)
        return _good_signature(key.public_bytes_raw(), bytes(msg), bytes(sig))


@lru_cache(maxsize=VERIFIED_SIGNATURES)
def _good_signature(public_raw, msg, sig):
    return OKPAlgorithm.verify(OKPAlgorithm(), msg, Ed25519PublicKey.from_public_bytes(public_raw), sig)


@jwt.encode_key_loader
def _private_key(identity):
    return current_signing_key().private


@jwt.additional_headers_loader
def _key_id(identity):
    return {"kid": own_kid()}


def own_kid():
    """The kid of the tokens this server signs: on a hub that knows its account upstream, that
    account's id (what the regional server looks its key up by); else the key's thumbprint kid."""
    return hub_account_id() or current_signing_key().kid


def hub_account_id():
    """On a hub, its account's id upstream, as its relay learnt it at login; else None."""
    if not current_app.config.get("UPSTREAM_URL"):
        return None
    if "hub_account_id" not in g:  # read once a request: every token check asks
        g.hub_account_id = hub_state.recall("account_id")
    return g.hub_account_id


def _signed_here(kid):
    return kid == current_signing_key().kid or (kid is not None and kid == hub_account_id())


@jwt.decode_key_loader
def _public_key(jwt_header, jwt_data):
    """The key a token's kid names: this server's, or a hub's; any other kid is an invalid token (401)."""
    kid = jwt_header.get("kid")
    if _signed_here(kid):
        return current_signing_key().public
    region = upstream_key(kid)
    if region is not None:
        return region
    hub = hub_key(kid)
    if hub is None:
        raise InvalidTokenError("unknown signing key")
    return hub.public


@jwt.token_verification_loader
def _inside_the_signing_hubs_kecamatan(jwt_header, jwt_data):
    """A token a hub signed holds only for an account whose regions all lie in the hub's kecamatan."""
    if _signed_here(jwt_header.get("kid")) or upstream_key(jwt_header.get("kid")) is not None:
        return True
    return _signed_by_its_hub(jwt_header, jwt_data)


def _signed_by_its_hub(jwt_header, jwt_data):
    hub = None if _signed_here(jwt_header.get("kid")) else hub_key(jwt_header.get("kid"))
    return hub is not None and lies_within((hub.kecamatan,), user_regions(jwt_data.get("sub")))


@dataclass(frozen=True)
class HubKey:
    """A hub's registered public key, and the kecamatan its tokens are honoured in."""

    public: Ed25519PublicKey
    kecamatan: str


def hub_key(kid):
    """The HubKey of the hub whose account id is kid, or None (no such hub, or it has no key)."""
    if not isinstance(kid, str) or not UUID_RE.fullmatch(kid):
        return None
    rows = hub_key_rows(kid)
    if len(rows) != 1:
        return None
    return HubKey(public=jwk_public_key(json.loads(rows[0][0])), kecamatan=rows[0][1])


@dataclass(frozen=True)
class Account:
    """The signed-in account, read with its device in one query on every request."""

    id: str
    phone: str
    name: str
    role: str
    scope_version: int


@jwt.token_in_blocklist_loader
def _device_revoked(jwt_header, jwt_data):
    # The device must exist, be this account's and not be revoked.
    row = signed_in_account(jwt_data.get("dev"), jwt_data.get("sub"))
    if row is None and (_first_sync_at_this_hub(jwt_header, jwt_data) or _first_use_here(jwt_header, jwt_data)):
        row = signed_in_account(jwt_data.get("dev"), jwt_data.get("sub"))
    if row is None or row.revoked_at is not None:
        return True
    g.device_last_sync = row.last_sync_at
    g.account = Account(*row[2:])
    return False


def _first_sync_at_this_hub(jwt_header, jwt_data):
    """A hub registers a device the region signed a token for, of an account it mirrors, when it first comes."""
    if upstream_key(jwt_header.get("kid")) is None or not hub_accounts.has_account(jwt_data.get("sub")):
        return False
    hub_accounts.register_session(jwt_data.get("dev"), jwt_data.get("sub"), utcnow())
    return True


def _first_use_here(jwt_header, jwt_data):
    """The regional server registers a device a hub enrolled (its token signed by the hub, for an
    account of the hub's kecamatan) when it first comes here directly, under the session id the
    hub gave it: the one a relayed op of that device registers (server/engine/relayed.py)."""
    user_id, device_id = jwt_data.get("sub"), jwt_data.get("did")
    if not isinstance(device_id, str) or not UUID_RE.fullmatch(device_id):
        return False
    if jwt_data.get("dev") != device_session_id(user_id, device_id) or not _signed_by_its_hub(jwt_header, jwt_data):
        return False
    hub_accounts.register_session(jwt_data["dev"], user_id, utcnow(), device_id=device_id)
    return True


def upstream_key(kid):
    """On a hub, the region's public key a kid names, as the last relay cycle fetched them; else None."""
    if not current_app.config.get("UPSTREAM_URL") or not isinstance(kid, str):
        return None
    jwk = next((key for key in hub_state.recall("upstream_keys", []) if key.get("kid") == kid), None)
    return None if jwk is None else _public_of(json.dumps(jwk, sort_keys=True))


@lru_cache(maxsize=8)
def _public_of(jwk_text):
    return jwk_public_key(json.loads(jwk_text))


@jwt.user_lookup_loader
def _load_user(jwt_header, jwt_data):
    return g.get("account")


# What each token flask-jwt-extended refuses answers: 401 and our error code (whatever it passes).
TOKEN_REFUSALS = (
    (jwt.user_lookup_error_loader, "invalid_token"),
    (jwt.revoked_token_loader, "device_revoked"),
    (jwt.expired_token_loader, "token_expired"),
    (jwt.invalid_token_loader, "invalid_token"),
    (jwt.unauthorized_loader, "unauthorized"),
    (jwt.needs_fresh_token_loader, "invalid_token"),
    (jwt.token_verification_failed_loader, "invalid_token"),
)
for register, code in TOKEN_REFUSALS:
    register(lambda *_args, code=code: error_response(401, code))
