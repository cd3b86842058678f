"""A Python sync client: one device's records, outbox and cursor in a local SQLite file.

Used by the tests, the hub and the bulk loader. Every local write goes to the `records` table
and the `outbox` in one transaction; `sync()` pushes the outbox, then pulls until `more` is
false. Sending the same push again is always safe (op ids), so any failure is retried with
backoff; the cursor is saved with each page, so a pull resumes where it stopped.

With `recent_days`, the first pull is recent-first (the pull's `since`): movements of those last
days only, and each product's opening stock for the older ones; `stock()` is the opening plus
the movements held, and `load_older()` fetches a product's older movements when they are wanted.

The network is whatever `transport` the caller passes: a callable
`transport(method, path, params=None, body=None) -> (status, json_body)` that raises
`TransportError` when no answer came. A transport with an `encode(body)` method has a push's
body encoded ahead (see `push`), and is then passed what `encode` answered as the body.
"""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

from .hlc import Clock
from .ids import op_id_for, uuid7

PUSH_BATCH = 1000
PUSH_PATH = "/api/v1/sync/push"
DAY_MS = 86_400_000


class TransportError(Exception):
    """No answer came (network down, timeout, dropped connection)."""


class SyncError(Exception):
    """The server answered with an error that retrying will not fix."""

    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def _worth_retrying(exc):
    """No answer, or a server that asks to be asked again later."""
    return isinstance(exc, TransportError) or exc.status in (429, 503)


def _error_code(body):
    """The code of an error answer, or None."""
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


class Replica:
    """A device's local state: records, outbox of ops and metadata, in a sqlite-utils Database."""

    def __init__(self, db, device_id=None, transport=None, now=None, sleep=time.sleep, recent_days=None):
        self.db = db
        self._ensure_tables()
        self.recent_days = recent_days
        self.now = now or (lambda: int(time.time() * 1000))
        self.device_id = device_id or self.meta("device_id") or uuid7()
        self.set_meta("device_id", self.device_id)
        kwargs = {"now": now} if now else {}
        self.clock = Clock(self.device_id, self.meta("hlc") or "", **kwargs)
        self.transport = transport
        self.sleep = sleep

    # -- local writes ----------------------------------------------------------

    def upsert(self, entity, entity_id, fields):
        """Record a local change: the record and its op are written together."""
        return self._record_op(entity, entity_id, "upsert", fields)

    def delete(self, entity, entity_id):
        """Record a local deletion."""
        return self._record_op(entity, entity_id, "delete", {})

    def _record_op(self, entity, entity_id, action, fields):
        op = {
            "op_id": op_id_for(entity, entity_id, action),
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "fields": fields,
            "hlc": self.clock.tick(),
        }
        with self.db.atomic():  # db.execute() alone commits each write
            self._apply_local(op)
            self.db.execute(
                "INSERT INTO outbox (op_id, entity, entity_id, action, fields, hlc, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                [op["op_id"], entity, entity_id, action, json.dumps(fields), op["hlc"]],
            )
            self.set_meta("hlc", op["hlc"])
        return op

    def _apply_local(self, op):
        key = f"{op['entity']}:{op['entity_id']}"
        row = self._record(key)
        if op["action"] == "delete":
            row["deleted"] = 1
        else:
            row["data"] = {**row["data"], "id": op["entity_id"], **op["fields"]}
        self._put(key, op["entity"], op["entity_id"], row["data"], row["deleted"])

    def _put(self, key, entity, entity_id, data, deleted):
        # Plain SQL: sqlite-utils' helpers commit on their own, and these writes must share
        # the caller's transaction.
        self.db.execute(
            "INSERT OR REPLACE INTO records (key, entity, id, data, deleted) VALUES (?, ?, ?, ?, ?)",
            [key, entity, entity_id, json.dumps(data), deleted],
        )

    def _record(self, key):
        rows = list(self.db.query("SELECT data, deleted FROM records WHERE key = ?", [key]))
        if not rows:
            return {"data": {}, "deleted": 0}
        return {"data": json.loads(rows[0]["data"]), "deleted": rows[0]["deleted"]}

    # -- reading ---------------------------------------------------------------

    def records(self, entity=None, include_deleted=False):
        """The device's records as {entity_id: data}, optionally of one entity."""
        sql = "SELECT entity, id, data, deleted FROM records"
        rows = self.db.query(sql + (" WHERE entity = ?" if entity else ""), [entity] if entity else [])
        return {
            (row["entity"], row["id"]): json.loads(row["data"]) for row in rows if include_deleted or not row["deleted"]
        }

    def pending(self, limit=-1):
        """Ops not yet accepted by the server, oldest first (at most `limit` of them)."""
        rows = self.db.query("SELECT * FROM outbox WHERE state = 'pending' ORDER BY rowid LIMIT ?", [limit])
        return [self._op(row) for row in rows]

    def rejected(self):
        """Ops the server rejected, with its reason: shown to the person, never resent as they are."""
        rows = self.db.query("SELECT * FROM outbox WHERE state = 'rejected' ORDER BY rowid")
        return [{**self._op(row), "error": json.loads(row["error"])} for row in rows]

    @staticmethod
    def _op(row):
        return {k: row[k] for k in ("op_id", "entity", "entity_id", "action", "hlc")} | {
            "fields": json.loads(row["fields"])
        }

    def meta(self, key):
        """A metadata value (cursor, device id, clock), or None."""
        rows = list(self.db.query("SELECT value FROM meta WHERE key = ?", [key]))
        return rows[0]["value"] if rows else None

    def set_meta(self, key, value):
        """Store a metadata value."""
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    # -- sync ------------------------------------------------------------------

    def sync(self, attempts=6, base_delay=0.5):
        """Push then pull, retrying with exponential backoff and jitter when no answer comes,
        or when the server says it is busy (429, 503)."""
        for attempt in range(attempts):
            try:
                self.push()
                return self.pull()
            except (TransportError, SyncError) as exc:
                if attempt == attempts - 1 or not _worth_retrying(exc):
                    raise
                self.sleep(base_delay * (2**attempt) * (0.5 + random.random()))
        return None

    def push(self):
        """Send the outbox in batches, in order; answers how many ops the server accepted.

        One batch works ahead: while a batch is on the wire, the next is read and encoded (on a
        thread, by the transport's `encode` when it has one), and it goes only once the batch
        before it is answered and settled. When no answer comes, the encoded batch is dropped
        unsent: the retry reads both from the outbox again, in order, and op ids make the second
        sending of the first harmless.
        """
        encode = getattr(self.transport, "encode", None) or (lambda body: body)
        accepted = 0
        with ThreadPoolExecutor(1) as encoder:
            ops, last = self._push_batch(after=0)
            encoded = encoder.submit(encode, self._push_body(ops)) if ops else None
            while ops:
                following, last = self._push_batch(after=last)
                body = encoded.result()
                encoded = encoder.submit(encode, self._push_body(following)) if following else None
                status, answer = self.transport("POST", PUSH_PATH, body=body)
                if status != 200:
                    raise SyncError(status, answer)
                accepted += self._settle(ops, answer)
                ops = following
        return accepted

    def _push_batch(self, after):
        """The pending ops queued after outbox row `after`, at most a batch; and the last one's row."""
        rows = list(
            self.db.query(
                "SELECT rowid AS row, * FROM outbox WHERE state = 'pending' AND rowid > ? ORDER BY rowid LIMIT ?",
                [after, PUSH_BATCH],
            )
        )
        return [self._op(row) for row in rows], rows[-1]["row"] if rows else after

    def _push_body(self, ops):
        return {"device_id": self.device_id, "ops": ops}

    def _settle(self, ops, body):
        accepted = 0
        with self.db.atomic():  # db.execute() alone commits each write
            for op, result in zip(ops, body["results"], strict=True):
                if result["status"] == "rejected":
                    self.db.execute(
                        "UPDATE outbox SET state = 'rejected', error = ? WHERE op_id = ?",
                        [json.dumps(result["error"]), op["op_id"]],
                    )
                else:
                    self.db.execute("DELETE FROM outbox WHERE op_id = ?", [op["op_id"]])
                    accepted += 1
            self.clock.observe(body["hlc"])
            self.set_meta("hlc", self.clock.tick())
        return accepted

    def pull(self, limit=5000):
        """Follow the cursor until nothing more; answers the number of changes taken."""
        taken = 0
        if self.recent_days and not self.meta("cursor") and not self.meta("since"):
            self.set_meta("since", recent_since(self.now(), self.recent_days))
        body = self._first_page(limit)
        while True:
            with self.db.atomic():  # db.execute() alone commits each write
                if body["reset"]:
                    self._drop_synced()
                pending = {}
                for op in self.pending():
                    pending.setdefault(op["entity_id"], []).append(op)
                for change in body["changes"]:
                    self._take(change, pending.get(change["entity_id"], ()))
                self._take_rejected(body.get("rejected", ()))
                for product_id in self._under_openings(body["changes"]):
                    self.db.execute("INSERT OR IGNORE INTO older_wanted (product_id) VALUES (?)", [product_id])
                if "openings" in body:
                    self._keep_openings(body["openings"])
                self.clock.observe(body["hlc"])
                self.set_meta("hlc", self.clock.peek())
                self.set_meta("cursor", body["cursor"])
            taken += len(body["changes"])
            if not body["more"]:
                break
            body = self._page(body["cursor"], limit)
        # A movement older than an opening that came by an ordinary pull may be one the opening
        # already counts (a producer that moved desa re-sends its movements): the product's whole
        # older history then stands in for its opening. Kept with the page, so a failure here is
        # made good by the next pull.
        for row in list(self.db.query("SELECT product_id FROM older_wanted ORDER BY product_id")):
            self.load_older(row["product_id"])
        return taken

    def _take_rejected(self, rejected):
        """Ops a hub applied but its upstream rejected (a pull's `rejected`): into the outbox as
        rejected, as if the push had been answered so; an op the outbox holds is left as it is."""
        for op in rejected:
            self.db.execute(
                "INSERT OR IGNORE INTO outbox (op_id, entity, entity_id, action, fields, hlc, state, error) "
                "VALUES (?, ?, ?, ?, ?, ?, 'rejected', ?)",
                [
                    op["op_id"],
                    op["entity"],
                    op["entity_id"],
                    op["action"],
                    json.dumps(op.get("fields") or {}),
                    op["hlc"],
                    json.dumps(op["error"]),
                ],
            )

    def _first_page(self, limit):
        """The page after the saved cursor; when the server does not know that cursor (another
        server's, as for a phone between a hub and the region, or one signed with a secret since
        changed), the first page from the beginning, taken as a reset."""
        cursor = self.meta("cursor")
        try:
            return self._page(cursor, limit)
        except SyncError as exc:
            if not cursor or exc.status != 400 or _error_code(exc.body) != "invalid_cursor":
                raise
        return {**self._page(None, limit), "reset": True}

    def _page(self, cursor, limit):
        """One page of changes after a cursor (None: from the beginning)."""
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if self.meta("since"):  # a recent-first first sync: the same since on each of its pages
            params["since"] = self.meta("since")
        status, body = self.transport("GET", "/api/v1/sync/pull", params=params)
        if status != 200:
            raise SyncError(status, body)
        return body

    def _take(self, change, pending_ops):
        """Take the server's state of a record, then replay this device's pending ops on it."""
        key = f"{change['entity']}:{change['entity_id']}"
        deleted = 1 if change["action"] == "delete" else 0
        data = change.get("data") or self._record(key)["data"]
        self._put(key, change["entity"], change["entity_id"], data, deleted)
        if not deleted:
            for op in pending_ops:
                self._apply_local(op)

    # -- recent-first sync ------------------------------------------------------

    def stock(self, product_id):
        """A product's stock on hand: its opening (if any) plus the movements held."""
        rows = self.db.query("SELECT data FROM records WHERE entity = 'stock_movement' AND deleted = 0")
        held = sum(
            Decimal(m["qty"]) for m in map(json.loads, (r["data"] for r in rows)) if m["product_id"] == product_id
        )
        return self.opening(product_id) + held

    def opening(self, product_id):
        """The opening stock a recent-first sync gave a product: what its movements not held add up to."""
        rows = list(self.db.query("SELECT qty FROM openings WHERE product_id = ?", [product_id]))
        return Decimal(rows[0]["qty"]) if rows else Decimal(0)

    def older_loaded(self, product_id):
        """Whether a product's whole history is held (no opening stands in for part of it)."""
        loaded = self.db.query("SELECT 1 FROM older_loaded WHERE product_id = ?", [product_id])
        return not self.meta("as_of") or bool(list(loaded))

    def load_older(self, product_id, limit=5000):
        """Fetch a product's movements older than the opening; they then replace its opening."""
        as_of, page, taken = self.meta("as_of"), None, []
        if not as_of:
            return 0
        while True:
            params = {"product_id": product_id, "before": as_of, "limit": limit, **({"page": page} if page else {})}
            status, body = self.transport("GET", "/api/v1/sync/history", params=params)
            if status == 403:  # out of this account's scope now: its records are leaving the device
                self.db.execute("DELETE FROM older_wanted WHERE product_id = ?", [product_id])
                return 0
            if status != 200:
                raise SyncError(status, body)
            taken += body["changes"]
            page = body["next"]
            if page is None:
                break
        with self.db.atomic():
            for change in taken:
                key = f"stock_movement:{change['entity_id']}"
                self._put(key, "stock_movement", change["entity_id"], change["data"], 0)
            self.db.execute("DELETE FROM openings WHERE product_id = ?", [product_id])
            self.db.execute("INSERT OR REPLACE INTO older_loaded (product_id) VALUES (?)", [product_id])
            self.db.execute("DELETE FROM older_wanted WHERE product_id = ?", [product_id])
        return len(taken)

    def _keep_openings(self, openings):
        self._drop_openings()
        for product_id, qty in openings["stock"].items():
            self.db.execute("INSERT INTO openings (product_id, qty) VALUES (?, ?)", [product_id, qty])
        self.set_meta("as_of", openings["as_of"])
        self.db.execute("DELETE FROM meta WHERE key = 'since'")

    def _under_openings(self, changes):
        """Products with an opening that an ordinary pull brought movements older than it."""
        as_of = self.meta("as_of")
        if not as_of or self.meta("since"):
            return set()
        older = {
            c["data"]["product_id"]
            for c in changes
            if c["entity"] == "stock_movement" and c.get("data") and c["data"]["occurred_at"] < as_of
        }
        return {product_id for product_id in older if not self.older_loaded(product_id)}

    def _drop_openings(self):
        self.db.execute("DELETE FROM openings")
        self.db.execute("DELETE FROM older_loaded")
        self.db.execute("DELETE FROM older_wanted")
        self.db.execute("DELETE FROM meta WHERE key = 'as_of'")

    def _drop_synced(self):
        self._drop_openings()
        pending_keys = {f"{op['entity']}:{op['entity_id']}" for op in self.pending()}
        for row in list(self.db.query("SELECT key FROM records")):
            if row["key"] not in pending_keys:
                self.db.execute("DELETE FROM records WHERE key = ?", [row["key"]])

    def _ensure_tables(self):
        if "records" not in self.db.table_names():
            self.db["records"].create({"key": str, "entity": str, "id": str, "data": str, "deleted": int}, pk="key")
            self.db["outbox"].create(
                {
                    "op_id": str,
                    "entity": str,
                    "entity_id": str,
                    "action": str,
                    "fields": str,
                    "hlc": str,
                    "state": str,
                    "error": str,
                },
                pk="op_id",
            )
            self.db["outbox"].create_index(["state"])
            self.db["meta"].create({"key": str, "value": str}, pk="key")
        if "openings" not in self.db.table_names():
            self.db["openings"].create({"product_id": str, "qty": str}, pk="product_id")
            self.db["older_loaded"].create({"product_id": str}, pk="product_id")
            self.db["older_wanted"].create({"product_id": str}, pk="product_id")


def recent_since(now_ms, days):
    """The since of a recent-first sync: the start (UTC) of the day `days` days before now."""
    day = datetime.fromtimestamp((now_ms - days * DAY_MS) / 1000, UTC).date()
    return f"{day.isoformat()}T00:00:00Z"
