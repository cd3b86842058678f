"""Who is asking: the signed-in account and its device, the regions an account is assigned to, and
the Actor it acts as."""

from dataclasses import replace

from sqlalchemy import bindparam, select

from ..models import Device, User, UserRegion
from ..store import rows_in, run
from .rules import Actor

_devices, _users, _user_regions = Device.__table__.c, User.__table__.c, UserRegion.__table__.c

# Every request reads these: statements built once.
REGIONS = select(_user_regions.region_code).where(_user_regions.user_id == bindparam("user_id"))
REGIONS = REGIONS.order_by(_user_regions.region_code)
# The device must exist and be this account's; one indexed join answers it with the account.
ACCOUNT = (
    select(
        _devices.revoked_at,
        _devices.last_sync_at,
        _users.id,
        _users.phone,
        _users.name,
        _users.role,
        _users.scope_version,
    )
    .join_from(Device.__table__, User.__table__, _users.id == _devices.user_id)
    .where(_devices.id == bindparam("device_id"), _users.id == bindparam("user_id"))
)
# Accounts by id with their regions (one row per region), for the authors of a hub's push.
ACTORS = (
    select(_users.id, _users.role, _users.phone, _user_regions.region_code)
    .outerjoin_from(User.__table__, UserRegion.__table__, _user_regions.user_id == _users.id)
    .where(_users.id.in_(bindparam("keys", expanding=True)))
    .order_by(_users.id, _user_regions.region_code)
)
# Devices by their own id, whoever's (the index on device_id and user_id serves it).
DEVICES = select(_devices.device_id, _devices.user_id, _devices.revoked_at).where(
    _devices.device_id.in_(bindparam("keys", expanding=True))
)
# A hub's key and its one region, by its account id: the kid of the tokens it signs.
HUB_KEY = (
    select(_users.public_key, _user_regions.region_code)
    .join_from(User.__table__, UserRegion.__table__, _user_regions.user_id == _users.id)
    .where(_users.id == bindparam("hub_id"), _users.role == "hub", _users.public_key.is_not(None))
)


def signed_in_account(device_id, user_id):
    """(revoked_at, last_sync_at, id, phone, name, role, scope_version) of an account on one of
    its devices; None when there is no such device of that account."""
    return run(ACCOUNT, {"device_id": device_id, "user_id": user_id}).first()


def user_regions(user_id):
    """The region codes an account is assigned to, sorted."""
    return list(run(REGIONS, {"user_id": user_id}).scalars())


def actor_for(user):
    """The Actor an account (a User row) acts as, or is seen as when another account asks about it."""
    return Actor(id=user.id, role=user.role, regions=tuple(user_regions(user.id)), phone=user.phone)


def actors_by_id(user_ids):
    """{id: Actor} of the accounts among these ids, read in one query (absent: no such account)."""
    actors = {}
    for user_id, role, phone, region_code in rows_in(ACTORS, sorted(user_ids)):
        actor = actors.get(user_id) or Actor(id=user_id, role=role, regions=(), phone=phone)
        actors[user_id] = replace(actor, regions=actor.regions + ((region_code,) if region_code else ()))
    return actors


def device_states(device_ids):
    """{(device id, account id): revoked_at} of the devices with these ids (revoked_at None: in use)."""
    return {(device_id, user_id): revoked for device_id, user_id, revoked in rows_in(DEVICES, sorted(device_ids))}


def hub_key_rows(hub_id):
    """(public_key, region_code) of a hub account that has a key: one row for a hub of one kecamatan."""
    return run(HUB_KEY, {"hub_id": hub_id}).all()
