"""Accounts: who may make and change whom, within their regions."""

import json

from flask import abort
from flask_jwt_extended import current_user
from marshmallow import fields, validate
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..engine.models import Region, User, UserRegion
from ..engine.scope import actor_for, manages, manages_role, region_level, user_regions, would_manage
from ..extensions import db
from ..web.errors import ApiError, field_errors, validation_error
from ..web.json_body import Blueprint
from ..web.openapi import signed_in
from ..web.pins import hash_pin, is_weak_pin
from ..web.schemas import BaseSchema, Name, Phone, Pin, PublicJwk, RegionCode, new_uuid
from ..web.timeutil import utcnow
from .auth import AccountSchema, account_json

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Accounts")

ROLES = ("producer", "facilitator", "admin", "hub")
# Which region levels each role is assigned to: 1 province ... 4 desa. A hub: exactly one kecamatan.
ROLE_LEVELS = {"admin": (1, 2), "facilitator": (3, 4), "producer": (4,), "hub": (3,)}


HUB_KEY = "A hub's own Ed25519 public key: tokens it signs, with its account id as kid, hold here for its kecamatan."


class NewUserSchema(BaseSchema):
    phone = Phone(required=True)
    pin = Pin(required=True)
    name = Name(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    regions = fields.List(RegionCode(), load_default=list)
    public_key = PublicJwk(load_default=None, metadata={"description": HUB_KEY})


class UserPatchSchema(BaseSchema):
    name = Name()
    pin = Pin()
    role = fields.String(validate=validate.OneOf(ROLES))
    regions = fields.List(RegionCode())
    public_key = PublicJwk(allow_none=True, metadata={"description": HUB_KEY + " null removes it."})


class UserListArgs(BaseSchema):
    role = fields.String(validate=validate.OneOf(ROLES))


@blp.route("", methods=["POST"])
@signed_in(blp, 400, 403, 409, 413, 422)
@blp.arguments(NewUserSchema)
@blp.response(201, AccountSchema)
def create_user(body):
    """Make an account: admins make anyone under their regions, facilitators make producers."""
    _check_may_assign(current_user, body["role"], body["regions"])
    _check_public_key(body["role"], body["public_key"])
    check_pin_strength(body["pin"])
    if phone_taken(body["phone"]):
        raise ApiError(409, "phone_taken")
    try:
        user = create_account(body, created_by=current_user.id)
        db.session.commit()
    except IntegrityError as exc:  # the same phone registered by a concurrent request
        db.session.rollback()
        raise ApiError(409, "phone_taken") from exc
    return account_json(user)


def check_pin_strength(pin):
    """422 weak_pin for a new PIN that is easy to guess (login still takes any six digits)."""
    if is_weak_pin(pin):
        raise ApiError(422, "weak_pin", field_errors({"pin": ("weak_pin", {})}))


def phone_taken(phone):
    """Tell whether an account already has this phone (+62...)."""
    return db.session.scalar(select(User.id).where(User.phone == phone)) is not None


@blp.route("", methods=["GET"])
@signed_in(blp, 400, 403)
@blp.arguments(UserListArgs, location="query", error_status_code=400)
@blp.response(200, AccountSchema(many=True))
def list_users(args):
    """List the accounts the caller manages (admins: under their regions; facilitators: producers)."""
    me = actor_for(current_user)
    if not any(manages_role(me, role) for role in ROLES):  # a producer, a hub
        raise ApiError(403, "forbidden")
    query = select(User).order_by(User.name)
    if args.get("role"):
        query = query.where(User.role == args["role"])
    return [account_json(u) for u in db.session.scalars(query) if manages(me, actor_for(u))]


@blp.route("/<uuid_text:user_id>", methods=["GET"])
@signed_in(blp, 403, 404)
@blp.response(200, AccountSchema)
def get_user(user_id):
    """One account: oneself, or one the caller manages."""
    user = _get_or_404(user_id)
    if user.id != current_user.id and not manages(actor_for(current_user), actor_for(user)):
        raise ApiError(403, "forbidden")
    return account_json(user)


@blp.route("/<uuid_text:user_id>", methods=["PATCH"])
@signed_in(blp, 400, 403, 404, 413, 422)
@blp.arguments(UserPatchSchema)
@blp.response(200, AccountSchema)
def update_user(body, user_id):
    """Change an account: its name, PIN, role or regions."""
    user = _get_or_404(user_id)
    is_self = user.id == current_user.id
    if not manages(actor_for(current_user), actor_for(user)) and not (is_self and set(body) <= {"name", "pin"}):
        raise ApiError(403, "forbidden")
    if "pin" in body:
        check_pin_strength(body["pin"])
    if "role" in body or "regions" in body:
        role = body.get("role", user.role)
        regions = body["regions"] if "regions" in body else user_regions(user.id)
        _check_may_assign(current_user, role, regions)
        user.role = role
        _set_regions(user, regions)
    if "public_key" in body:
        _check_public_key(user.role, body["public_key"])
        user.public_key = _key_text(body["public_key"])
    elif user.role != "hub":
        user.public_key = None  # only a hub holds a key
    if "name" in body:
        user.name = body["name"].strip()
    if "pin" in body:
        user.pin_hash = hash_pin(body["pin"])
    user.updated_at = utcnow()
    db.session.commit()
    return account_json(user)


def create_account(body, created_by=None):
    """Insert an account with its regions (the caller commits)."""
    _check_regions_exist(body["regions"])
    now = utcnow()
    user = User(
        id=new_uuid(),
        phone=body["phone"],
        pin_hash=hash_pin(body["pin"]),
        name=body["name"].strip(),
        role=body["role"],
        scope_version=1,
        public_key=_key_text(body.get("public_key")),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    db.session.add(user)
    db.session.flush()
    for code in sorted(set(body["regions"])):
        db.session.add(UserRegion(user_id=user.id, region_code=code))
    return user


def _set_regions(user, regions):
    if sorted(set(regions)) == user_regions(user.id):
        return
    db.session.execute(delete(UserRegion).where(UserRegion.user_id == user.id))
    for code in sorted(set(regions)):
        db.session.add(UserRegion(user_id=user.id, region_code=code))
    # Devices holding a cursor of the old scope start over with reset.
    user.scope_version += 1


def _check_public_key(role, jwk):
    if jwk is not None and role != "hub":
        raise validation_error({"public_key": ("hub_only", {})})


def _key_text(jwk):
    return None if jwk is None else json.dumps(jwk, sort_keys=True, separators=(",", ":"))


def _check_regions_exist(regions):
    known = set(db.session.scalars(select(Region.code).where(Region.code.in_(regions))))
    missing = [code for code in regions if code not in known]
    if missing:
        raise validation_error({"regions": ("unknown_region", {"code": ", ".join(missing)})})


def regions_problem(role, regions):
    """The field error code of regions that do not fit a role (none, a wrong level, a hub's several), or None."""
    if any(region_level(code) not in ROLE_LEVELS[role] for code in regions):
        return "wrong_region_level"
    if not regions:
        return "required"
    if role == "hub" and len(set(regions)) != 1:
        return "one_kecamatan"
    return None


def _check_may_assign(user, role, regions):
    """An account gives a role and regions only to an account it would then manage (scope.would_manage)."""
    actor = actor_for(user)
    if not manages_role(actor, role):
        raise ApiError(403, "forbidden")
    _check_regions_exist(regions)
    if problem := regions_problem(role, regions):
        raise validation_error({"regions": (problem, {})})
    if not would_manage(actor, role, regions):
        raise ApiError(403, "forbidden")


def _get_or_404(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user
