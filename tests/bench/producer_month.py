"""A producer's month of mobile data: every byte the phone's syncs send and receive, headers included.

    python -m tests.bench.producer_month [--markdown docs/benchmarks.md]

One producer with 20 products (made by a facilitator, already on the phone) records 210 movements
over 30 days, 7 a day, and the phone syncs four times a day (07, 11, 15 and 19 o'clock: 120
syncs): the movements recorded since the sync before are pushed, then the phone pulls. Every third
day the facilitator changes a product's price, which the next pull brings. Each sync opens a new
connection (hours apart, none stays open); an access token past its lifetime (ACCESS_TOKEN_MINUTES,
a day) is refreshed as the PWA's transport refreshes it, before the sync's first request.

The phone is the PWA's sync as the browser sends it over HTTP/1.1 (pwa/src/transport.js,
replica.js): its headers (Host, Accept, Accept-Language, Authorization, Content-Type,
Content-Length, Accept-Encoding: gzip, Content-Encoding for a gzipped body of 1 KB or more), its
ops byte for byte (tests/bench/device.py). What a browser adds of its own (User-Agent, Sec-Fetch-*,
Origin, Referer, Connection) and TLS are not counted. Bytes are counted as they cross the socket.

A real month takes a month; the server runs now. An access token past its lifetime in the month's
time is signed again with the server's key and its times moved into the past: the same size, and
the server answers it as any expired token.
"""

import argparse
import gzip
import socket
from collections import defaultdict

import jwt
import orjson

from sync.hlc import Clock
from sync.ids import uuid7
from tests.bench import report
from tests.bench.device import movement_op, push_text
from tests.bench.sync import PIN, PUSH, SERVE_SECRETS, Server, Wire, villages

DAYS = 30
SYNC_HOURS = (7, 11, 15, 19)
PRODUCTS = 20
MOVEMENTS_A_DAY = 7  # pushed by the syncs of 07 (3) and 15 (4) o'clock
PRICE_CHANGE_EVERY = 3  # days
MONTH_START_MS = 1761955200000  # 2025-11-01T00:00:00Z
GZIP_MIN = 200  # pwa/src/transport.js
PULL_LIMIT = 1000  # pwa/src/replica.js
# The access token's claims (sub, dev, iat, exp) with its two ids as 16 bytes in base64url, not UUID texts.
SMALLER_TOKENS = (272,)
PARTS = ("request headers", "tokens", "request bodies", "response headers", "response bodies")


class Phone:
    """The PWA's transport over one HTTP/1.1 connection at a time, counting each part of every byte."""

    def __init__(self, port, tokens):
        self.port = port
        self.tokens = tokens
        self.sock = self.file = None
        self.bytes = defaultdict(int)  # part -> bytes
        self.requests = 0
        self.token_sizes = defaultdict(list)  # where a token travels -> its sizes, in the month
        self.now_ms = 0  # the phone's clock
        self.expires_ms = lifetime_ms(tokens["access_token"])  # when the server will refuse the token

    def connect(self):
        """A new connection, as a phone opens for each sync."""
        self.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.file = self.sock.makefile("rb")

    def close(self):
        """Close the connection, if one is open."""
        if self.sock:
            self.file.close()
            self.sock.close()
            self.sock = self.file = None

    def call(self, method, path, body=None):
        """transport(): a token past its lifetime refreshed first; on 401 token_expired, refresh and again."""
        if self.now_ms >= self.expires_ms:
            # What the server would say of it: the month runs in minutes, its clock is today's.
            self.tokens = {**self.tokens, "access_token": expired(self.tokens["access_token"])}
        if self.now_ms >= self.expires_ms - 60_000:  # accessUntil in pwa/src/transport.js
            self.refresh()
        status, answer = self._send(method, path, body, self.tokens["access_token"])
        code = (answer or {}).get("error", {}).get("code") if isinstance(answer, dict) else None
        if status == 401 and code in ("token_expired", "invalid_token"):
            self.refresh()
            status, answer = self._send(method, path, body, self.tokens["access_token"])
        return status, answer

    def refresh(self):
        """A new access token for the one past its lifetime."""
        status, fresh = self._send("POST", "/api/v1/auth/refresh", None, self.tokens["refresh_token"])
        assert status == 200, fresh
        self.tokens = {**self.tokens, "access_token": fresh["access_token"]}
        self.token_sizes["in refresh answers (as text; the answer is gzipped)"].append(len(fresh["access_token"]))
        self.expires_ms = self.now_ms + lifetime_ms(fresh["access_token"])

    def _send(self, method, path, body, token):
        headers = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: application/json", "Accept-Language: id"]
        payload = b""
        if body is not None:
            payload = body if isinstance(body, bytes) else orjson.dumps(body)
            headers.append("Content-Type: application/json")
            packed = gzip.compress(payload, mtime=0) if len(payload) >= GZIP_MIN else None
            if packed and len(packed) + len("Content-Encoding: gzip\r\n") < len(payload):
                payload = packed
                headers.append("Content-Encoding: gzip")
            headers.append(f"Content-Length: {len(payload)}")
        elif method == "POST":
            headers.append("Content-Length: 0")  # a browser's POST without a body says so
        headers.append("Accept-Encoding: gzip")
        authorization = f"Authorization: Bearer {token}"
        head = ("\r\n".join([*headers, authorization]) + "\r\n\r\n").encode()
        self.sock.sendall(head + payload)
        self.bytes["tokens"] += len(token)
        sent_as = "refresh tokens sent" if path == "/api/v1/auth/refresh" else "access tokens sent"
        self.token_sizes[sent_as].append(len(token))
        self.bytes["request headers"] += len(head) - len(token)
        self.bytes["request bodies"] += len(payload)
        self.requests += 1
        return self._answer()

    def _answer(self):
        size, headers = 0, {}
        line = self.file.readline()
        status = int(line.split()[1])
        while line not in (b"\r\n", b""):
            size += len(line)
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
            line = self.file.readline()
        size += len(line)
        data = self.file.read(int(headers["content-length"]))
        self.bytes["response headers"] += size
        self.bytes["response bodies"] += len(data)
        if headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return status, orjson.loads(data) if data else None


def lifetime_ms(token):
    """An access token's lifetime, as its claims say."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return (claims["exp"] - claims["iat"]) * 1000


def expired(token):
    """The token as the server would have signed it a lifetime and more ago: past its lifetime."""
    claims = jwt.decode(token, options={"verify_signature": False})
    lifetime = claims["exp"] - claims["iat"]
    claims = {**claims, **{name: claims[name] - lifetime - 60 for name in ("iat", "nbf", "exp") if name in claims}}
    header = {"typ": None, **jwt.get_unverified_header(token)}  # typ None: PyJWT adds none
    made = jwt.encode(claims, SERVE_SECRETS["JWT_PRIVATE_KEY"], algorithm=header["alg"], headers=header)
    assert len(made) == len(token)
    return made


def set_up(server):
    """A producer with 20 products, its account, its phone logged in and synced; and the facilitator."""
    facilitator = server.login()
    node = str(uuid7())
    desa = villages(server)[0]
    phone_number = "+6281277770001"

    def op(entity, fields):
        return {"op_id": uuid7(), "entity": entity, "entity_id": uuid7(), "action": "upsert", "fields": fields}

    producer = op("producer", {"name": "Bu Sri", "village_code": desa, "kind": "individual", "phone": phone_number})
    products = [
        op("product", {"producer_id": producer["entity_id"], "name": f"Kopi {i}", "category": "coffee", "unit": "kg"})
        for i in range(PRODUCTS)
    ]
    clock = Clock(node)
    ops = [{**o, "hlc": clock.tick()} for o in [producer, *products]]
    status, body = facilitator.call("POST", PUSH, {"device_id": node, "ops": ops})
    assert status == 200 and all(r["status"] == "applied" for r in body["results"]), body
    account = {"phone": phone_number, "pin": PIN, "role": "producer", "name": "Bu Sri", "regions": [desa]}
    status, body = facilitator.call("POST", "/api/v1/users", account, compress=False)
    assert status == 201, body
    device_id = str(uuid7())
    login = {"phone": phone_number, "pin": PIN, "device_id": device_id}
    status, tokens = Wire(server.port).call("POST", "/api/v1/auth/login", login, compress=False)
    assert status == 200, tokens
    phone = Phone(server.port, tokens)
    return facilitator, node, clock, phone, device_id, [p["entity_id"] for p in products]


def pull(phone, cursor):
    """Follow the pages after cursor, as replica.pull does; answers (cursor, changes taken, hlc)."""
    taken = 0
    while True:
        path = f"/api/v1/sync/pull?limit={PULL_LIMIT}" + (f"&cursor={cursor}" if cursor else "")
        status, body = phone.call("GET", path)
        assert status == 200, body
        taken += len(body["changes"])
        cursor = body["cursor"]
        if not body["more"]:
            return cursor, taken, body["hlc"]


def month(server):
    """The month's syncs; answers {kind of sync: {part: bytes, "syncs": n, "requests": n}}."""
    facilitator, fac_node, fac_clock, phone, device_id, products = set_up(server)
    cursor, _, _ = pull(connected(phone), None)  # the phone's first sync, before the month
    phone.token_sizes.clear()
    now = {"ms": MONTH_START_MS}
    clock = Clock(device_id, now=lambda: now["ms"])
    outbox = []
    by_kind = defaultdict(lambda: defaultdict(int))
    recorded = 0
    for day in range(DAYS):
        for hour in SYNC_HOURS:
            sync_ms = MONTH_START_MS + (day * 24 + hour) * 3_600_000
            for k in range({7: 3, 15: 4}.get(hour, 0)):  # recorded in the hours before this sync
                now["ms"] = sync_ms - (k + 1) * 1_234_567
                kind, amount = ("harvest", "12.5") if recorded % 3 == 0 else ("sale", str(1 + recorded % 9))
                entity_id = uuid7(now["ms"])
                outbox.append(
                    movement_op(entity_id, products[recorded % PRODUCTS], kind, amount, now["ms"], clock.tick())
                )
                recorded += 1
            if hour == 11 and day % PRICE_CHANGE_EVERY == 0:
                change = {"price_idr": 50_000 + day * 100}
                fields = {"op_id": uuid7(), "entity": "product", "entity_id": products[day % PRODUCTS]}
                op = {**fields, "action": "upsert", "fields": change, "hlc": fac_clock.tick()}
                status, body = facilitator.call("POST", PUSH, {"device_id": fac_node, "ops": [op]})
                assert status == 200 and body["results"][0]["status"] == "applied", body
            now["ms"] = phone.now_ms = sync_ms
            before, requests = dict(phone.bytes), phone.requests
            connected(phone)
            pushed = bool(outbox)
            if outbox:
                status, body = phone.call("POST", PUSH, push_text(device_id, outbox))
                assert status == 200 and all(r["status"] == "applied" for r in body["results"]), body
                clock.observe(body["hlc"])
                outbox = []
            cursor, taken, hlc = pull(phone, cursor)
            clock.observe(hlc)
            kind = "push" if pushed else "pull" if taken else "idle"
            figures = by_kind[kind]
            figures["syncs"] += 1
            figures["requests"] += phone.requests - requests
            for part in PARTS:
                figures[part] += phone.bytes[part] - before.get(part, 0)
    phone.close()
    assert recorded == DAYS * MOVEMENTS_A_DAY
    return by_kind, tokens_of_the_month(phone.token_sizes)


def tokens_of_the_month(sizes):
    """Lines on what tokens cost: where they travel, how often, their bytes; and a smaller token's."""
    lines, total, count = [], 0, 0
    for where, lengths in sorted(sizes.items()):
        lines.append(f"{where}: {len(lengths)} of {max(lengths)} bytes, {sum(lengths):,} bytes")
        total, count = total + sum(lengths), count + len(lengths)
    lines.append(f"tokens in all: {total:,} bytes; each byte less in a token saves {count} bytes a month")
    for size in SMALLER_TOKENS:
        saved = sum(max(0, length - size) for lengths in sizes.values() for length in lengths)
        lines.append(f"tokens of {size} bytes would save {saved:,} bytes a month")
    return lines


def connected(phone):
    """The phone with a new connection."""
    phone.connect()
    return phone


def kb(count):
    """Bytes as KB (1,000 bytes), one decimal."""
    return f"{count / 1000:,.1f} KB"


def rows(by_kind):
    """The table's rows: each kind of sync, then the month."""
    kinds = [k for k in ("idle", "pull", "push") if k in by_kind]
    out = []
    total = defaultdict(int)
    for kind in kinds:
        figures = by_kind[kind]
        for key, value in figures.items():
            total[key] += value
        out.append(line(kind, figures))
    out.append(line("month", total))
    return out


def line(name, figures):
    """One row: syncs, requests, each part, all bytes and bytes a sync."""
    all_bytes = sum(figures[part] for part in PARTS)
    parts = [f"{figures[part]:,}" for part in PARTS]
    return [name, figures["syncs"], figures["requests"], *parts, f"{all_bytes:,}", f"{all_bytes // figures['syncs']:,}"]


HEADERS = ["sync", "count", "requests", *PARTS, "all bytes", "a sync"]


def main():
    """Run the month, print its table (and write it into --markdown's file)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", help="write the table into this file's producer_month section")
    args = parser.parse_args()
    server = Server()
    try:
        by_kind, token_lines = month(server)
    finally:
        server.stop()
    table = rows(by_kind)
    total = int(table[-1][-2].replace(",", ""))
    text = report.table(HEADERS, table)
    print(text)
    print(f"\nthe month: {total:,} bytes ({kb(total)}; budget 100 KB)")
    print("\n".join(token_lines))
    if args.markdown:
        how = (
            f"One producer, {PRODUCTS} products, {DAYS * MOVEMENTS_A_DAY} movements, {DAYS * len(SYNC_HOURS)} syncs "
            "(4 a day, each on a new connection, refreshing its access token first when past its lifetime of a day), "
            "as the PWA sends them over HTTP/1.1; bytes as they cross the socket, both ways (random ids: a run "
            f"differs from another by a few hundred). The month: **{total:,} bytes** (budget 100 KB)."
        )
        title = "A producer's month of mobile data"
        body = f"{how}\n\n{text}\n\n" + "".join(f"- {line}\n" for line in token_lines)
        section = report.section(title, "tests.bench.producer_month", body, args.markdown)
        report.write_section(args.markdown, "producer_month", section)


if __name__ == "__main__":
    main()
