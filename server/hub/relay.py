"""One relay cycle of a hub: the ops its devices wrote go upstream, then upstream's changes come back.

Accounts: the region's public keys and the kecamatan's accounts come first (never a PIN hash),
so that phones signed in upstream sync at the hub with the region's tokens.

Push: the ops go oldest first, each with its author. Upstream answers each as for any push
(applied, duplicate, rejected); the answers are kept with the ops (server/engine/outbox.py), a
rejection for its author's device, and the copy returns to upstream's state of a rejected op's
record (restore.py). An op goes again until an answer for it is stored: a cycle
cut off anywhere (no network, the hub switched off) sends it again and upstream answers
`duplicate`, so nothing is lost and nothing counts twice.

Pull: the hub follows its own cursor of upstream's feed of its kecamatan; each page is taken
into the hub's copy (server/engine/copy.py) in the same transaction as the cursor that follows
it, so a page cut off is pulled again, and taking it twice ends as taking it once.
"""

import time
import uuid
from dataclasses import dataclass

from sync.client import PUSH_BATCH, TransportError
from sync.http import HttpTransport

from ..engine import hub_accounts, hub_state, outbox
from ..engine.copy import take_copy
from ..extensions import db
from ..web.timeutil import rfc3339, utcnow
from . import restore


class RelayError(Exception):
    """Upstream answered, but not with what the relay needs (a refused login, an error status)."""

    def __init__(self, status, body):
        super().__init__(f"upstream answered {status}: {body}")
        self.status, self.body = status, body


@dataclass
class Report:
    """What one cycle did."""

    pushed: int = 0
    rejected: int = 0
    pulled: int = 0
    reached_at: str = None


class Upstream:
    """The regional server, as the hub's account there sees it: logged in on first use, again on a 401."""

    def __init__(self, url, phone, pin, device_id, transport=None):
        self.phone, self.pin, self.device_id = phone, pin, device_id
        self.transport = transport or HttpTransport(url)

    def call(self, method, path, params=None, body=None):
        """One request, logged in; answers (status, body)."""
        if not self.transport.token:
            self._login()
        status, answer = self.transport(method, path, params=params, body=body)
        if status == 401:  # the access token expired: log in again, once
            self._login()
            status, answer = self.transport(method, path, params=params, body=body)
        return status, answer

    def _login(self):
        body = {"phone": self.phone, "pin": self.pin, "device_id": self.device_id}
        status, answer = self.transport("POST", "/api/v1/auth/login", body=body)
        if status != 200:
            raise RelayError(status, answer)
        self.transport.token = answer["access_token"]


def upstream_of(config):
    """The Upstream a hub's config names (LUMBUNG_UPSTREAM_URL, LUMBUNG_HUB_PHONE, LUMBUNG_HUB_PIN)."""
    return Upstream(config["UPSTREAM_URL"], config["HUB_PHONE"], config["HUB_PIN"], hub_device_id())


def hub_device_id():
    """The hub's own device id upstream, made once and remembered."""
    device_id = hub_state.recall("device_id")
    if device_id is None:
        device_id = str(uuid.uuid4())
        hub_state.remember("device_id", device_id)
        db.session.commit()
    return device_id


PULL_LIMIT = 2000  # changes a page


def cycle(upstream):
    """Push every op upstream has not answered, then pull upstream's changes; answers a Report."""
    report = Report()
    learn_accounts(upstream)
    push_up(upstream, report)
    pull_down(upstream, report)
    report.reached_at = rfc3339(utcnow())
    hub_state.remember("reached_at", report.reached_at)
    db.session.commit()
    return report


def learn_accounts(upstream):
    """Take the region's public keys and the accounts of the kecamatan (with the devices revoked
    upstream), so that the hub verifies the region's tokens, and refuses revoked devices, offline."""
    keys = _get(upstream, "/api/v1/keys")["keys"]
    accounts = _get(upstream, "/api/v1/hub/accounts")["accounts"]
    hub_state.remember("upstream_keys", keys)
    hub_accounts.take_accounts(accounts, utcnow())
    db.session.commit()


def _get(upstream, path):
    status, body = upstream.call("GET", path)
    if status != 200:
        raise RelayError(status, body)
    return body


def push_up(upstream, report):
    """Send the ops upstream has not answered, oldest first, in batches; keep its answers."""
    while ops := outbox.pending(PUSH_BATCH):
        status, body = upstream.call("POST", "/api/v1/sync/push", body={"device_id": upstream.device_id, "ops": ops})
        if status != 200:
            raise RelayError(status, body)
        outbox.answer(body["results"], utcnow())
        restore.restore_later([op for op, r in zip(ops, body["results"], strict=True) if r["status"] == "rejected"])
        db.session.commit()
        report.pushed += len(ops)
        report.rejected += sum(result["status"] == "rejected" for result in body["results"])


def pull_down(upstream, report):
    """Take upstream's changes of the hub's kecamatan into its copy, page by page, until there are no more."""
    while True:
        params = {"limit": PULL_LIMIT}
        if cursor := hub_state.recall("cursor"):
            params["cursor"] = cursor
        status, body = upstream.call("GET", "/api/v1/sync/pull", params=params)
        if status != 200:
            raise RelayError(status, body)
        take_copy(body["changes"], body["hlc"])
        restore.seen(body["changes"])
        hub_state.remember("cursor", body["cursor"])
        db.session.commit()
        report.pulled += len(body["changes"])
        if not body["more"]:
            restore.finish()
            db.session.commit()
            return


def run_forever(upstream, interval=30, longest_wait=900, sleep=time.sleep, cycles=None):
    """Run cycles every `interval` seconds; while upstream cannot be reached, wait twice as long each time."""
    wait, done = interval, 0
    while cycles is None or done < cycles:
        try:
            cycle(upstream)
            wait = interval
        except (TransportError, RelayError) as exc:
            db.session.rollback()
            hub_state.remember("last_error", str(exc)[:500])
            db.session.commit()
            wait = min(wait * 2, longest_wait)
        done += 1
        sleep(wait)
