"""A hub's push (SYNC-CONTRACT 1.1, "Relay"): the ops its devices sent, each naming its author.

Each op acts as its author, {"user_id", "device_id"}: it is checked against the author's scope,
and against the hub's (the record lies in the hub's kecamatan, and nothing a hub may not write),
and the author is recorded as its writer. The author's device must not be revoked here
(`device_revoked`); a device this server has never seen (enrolled at the hub, never online) is
accepted only for an account inside the hub's kecamatan, the accounts whose tokens the hub may
sign, and is then registered here as that account's device, under the session id the hub gave it
(sync.ids.device_session_id), so that it can sync here directly and be revoked here.

A push's authors are read once: their accounts in one query, their devices in another.
"""

from sync.ids import device_session_id
from sync.ops import check_upsert
from sync.records import OpError

from .models import Device
from .scope import actors_by_id, device_states, lies_within, may_write
from .store import insert_new


class Relay:
    """The authors of one hub push: who each op acts as, and the devices it registers."""

    def __init__(self, hub, now):
        self.hub = hub
        self.now = now
        self.actors = {}
        self.devices = {}  # (device id, account id) -> revoked_at
        self.registered = {}  # (device id, account id) -> its new row
        self.covered = {}  # desa code -> whether the hub's kecamatan holds it

    def read(self, ops):
        """Read the accounts and devices the ops' authors name (ops checked by sync.records.op_author)."""
        authors = [op["author"] for op in ops]
        self.actors = actors_by_id({author["user_id"] for author in authors})
        self.devices = device_states({author["device_id"] for author in authors})

    def author(self, op):
        """(Actor, device id) an op acts as; OpError `forbidden` or `device_revoked` when it may not."""
        user_id, device_id = op["author"]["user_id"], op["author"]["device_id"]
        actor = self.actors.get(user_id)
        if actor is None or actor.role == "hub":  # hubs relay; they author nothing of their own
            raise OpError("forbidden", reason="unknown_author")
        key = (device_id, user_id)
        if key in self.devices:
            if self.devices[key] is not None:
                raise OpError("device_revoked", device_id=device_id)
        elif key not in self.registered:
            if not lies_within(self.hub.regions, actor.regions):
                raise OpError("forbidden", reason="device_unknown")
            self.registered[key] = self._device_row(user_id, device_id)
        if op["action"] == "upsert":
            check_upsert(op["entity"], op["fields"], self.hub.role)  # what no hub may write (reviews)
        return actor, device_id

    def covers(self, village_code):
        """Whether a desa lies in the hub's kecamatan (remembered per desa: a push names few)."""
        allowed = self.covered.get(village_code)
        if allowed is None:
            allowed = self.covered[village_code] = may_write(self.hub, village_code)
        return allowed

    def write(self):
        """Register the devices first seen in this push."""
        # A phone may sign in directly at the same moment: its own login's row stands.
        insert_new(Device.__table__, list(self.registered.values()))

    def _device_row(self, user_id, device_id):
        return {
            "id": device_session_id(user_id, device_id),
            "device_id": device_id,
            "user_id": user_id,
            "user_agent": None,
            "created_at": self.now,
            "last_seen_at": self.now,
            "last_sync_at": None,
            "revoked_at": None,
        }
