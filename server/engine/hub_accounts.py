"""The accounts a hub recognises: upstream's accounts of its kecamatan, mirrored without PINs.

A hub never holds a PIN hash (they never leave the regional server): a mirrored account has an
unusable one, so a phone signs in upstream once and then syncs at the hub with the tokens the
region signed, which the hub verifies with the region's public key. The phone's device is
registered here on its first sync; a device revoked upstream is refused from the next cycle.
"""

from sqlalchemy import bindparam, delete, select, update

from ..extensions import db
from .models import Device, User, UserRegion
from .store import insert_new, insert_rows, run, select_in, update_rows

NO_PIN = "!"  # no hash matches it (server/web/pins.verify_pin answers False)

_devices = Device.__table__
KNOWN_SESSIONS = select(_devices.c.id).where(_devices.c.id.in_(bindparam("keys", expanding=True)))
REVOKE = (
    update(_devices)
    .where(_devices.c.id.in_(bindparam("sessions", expanding=True)), _devices.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
)
FORGET_REGIONS = delete(UserRegion.__table__).where(
    UserRegion.__table__.c.user_id.in_(bindparam("users", expanding=True))
)


def take_accounts(accounts, now):
    """Mirror upstream's accounts (GET /api/v1/hub/accounts): add or update each, set its regions,
    refuse its revoked devices. In the caller's transaction."""
    users = User.__table__
    known = {row["id"] for row in select_in(users, ("id",), "id", [a["id"] for a in accounts])}
    rows = [
        {
            "id": a["id"],
            "phone": a["phone"],
            "name": a["name"],
            "role": a["role"],
            "scope_version": a["scope_version"],
            "updated_at": now,
        }
        for a in accounts
    ]
    update_rows(users, [row for row in rows if row["id"] in known])
    insert_rows(users, [{**row, "pin_hash": NO_PIN, "created_at": now} for row in rows if row["id"] not in known])
    if accounts:
        run(FORGET_REGIONS, {"users": [a["id"] for a in accounts]})
    insert_rows(
        UserRegion.__table__, [{"user_id": a["id"], "region_code": code} for a in accounts for code in a["regions"]]
    )
    _refuse(accounts, now)


def _refuse(accounts, now):
    """Revoke the sessions upstream revoked; one this hub has not seen yet is kept, revoked, for when it comes."""
    sessions = {session: a["id"] for a in accounts for session in a.get("revoked_sessions", ())}
    if not sessions:
        return
    run(REVOKE, {"sessions": sorted(sessions), "at": now})
    seen = {session for (session,) in run(KNOWN_SESSIONS, {"keys": sorted(sessions)})}
    unseen = [
        {"id": s, "device_id": s, "user_id": u, "created_at": now, "last_seen_at": now, "revoked_at": now}
        for s, u in sessions.items()
        if s not in seen
    ]
    insert_new(_devices, unseen)


ACCOUNT = select(User.__table__.c.id).where(User.__table__.c.id == bindparam("user_id"))


def has_account(user_id):
    """Tell whether this server knows the account."""
    return run(ACCOUNT, {"user_id": user_id}).first() is not None


def register_session(session_id, user_id, now, device_id=None):
    """Register a device on its first sync with a token another server signed (the region's at a
    hub, a hub's at the region); commits it."""
    row = {"id": session_id, "device_id": device_id or session_id, "user_id": user_id}
    row.update(created_at=now, last_seen_at=now)
    insert_new(_devices, [row])  # two first requests at once: one row
    db.session.commit()
