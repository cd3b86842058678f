"""Who is asking: the signed-in account and its device, the regions an account is assigned to, and
the Actor it acts as."""

from sqlalchemy import bindparam, select

from ..models import Device, User, UserRegion
from ..store import run
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


def hub_key_rows(hub_id):
    """(public_key, region_code) of a hub account that has a key: one row for a hub of one kecamatan."""
    return run(HUB_KEY, {"hub_id": hub_id}).all()
