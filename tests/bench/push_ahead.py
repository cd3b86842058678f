"""What working ahead buys the Python client's push: 10,000 movements pushed by sync.client.Replica
over sync.http.HttpTransport to Lumbung under gunicorn, with the next batch encoded while the one
before is on the wire, and without (a transport that has no `encode`: each body is encoded in the
call, after the answer before it).

    python -m tests.bench.push_ahead [--n 10000] [--runs 3] [--kbit 400 --rtt-ms 400]

With `--kbit`, the client talks through a link passing that many kilobits a second each way and
holding the start of each request and each answer for half of `--rtt-ms` (slow 3G: 400 kbit/s).
One server for all runs, each push of fresh movements of the same 500 products; prints each
push's time, the bytes pushed (gzipped bodies) and the load average.
"""

import argparse
import os
import statistics
import time
import uuid

import sqlite_utils

from sync.client import PUSH_BATCH, Replica
from sync.http import HttpTransport
from sync.ids import uuid7
from tests.bench.device import movement_op
from tests.bench.sync import MOVEMENTS_FROM_MS, Server, setup_products, villages
from tests.server.hub.processes import SlowLink


class OneAtATime:
    """The transport without its `encode`: the client then encodes each push in the call."""

    def __init__(self, transport):
        self.transport = transport

    def __call__(self, *args, **kwargs):
        return self.transport(*args, **kwargs)


class Counting(HttpTransport):
    """An HttpTransport that counts the request body bytes it sends."""

    body_bytes = 0

    def _send(self, method, path, data, headers):
        self.body_bytes += len(data or b"")
        return super()._send(method, path, data, headers)


def device_with_outbox(products, n):
    """A Python client whose outbox holds n movements of the products, as the PWA writes them."""
    replica = Replica(sqlite_utils.Database(memory=True))
    for i in range(n):
        qty = ((i * 37) % 200) - 50 or 1
        kind = "harvest" if qty > 0 else "sale"
        at_ms = MOVEMENTS_FROM_MS + i * 60_000 + (i * 7919) % 1000
        fields = movement_op("", products[(i * 7919) % 500], kind, str(abs(qty)), at_ms, "")["fields"]
        replica.upsert("stock_movement", uuid7(), fields)
    return replica


def push_once(server, token, products, n, ahead, kbit, rtt_ms):
    """Push n fresh movements; answers (seconds, body bytes)."""
    port, link = server.port, None
    if kbit:
        link = SlowLink(server.port, kbit * 1000 / 8, rtt_ms / 1000)
        port = link.port
    try:
        replica = device_with_outbox(products, n)
        http = Counting(f"http://127.0.0.1:{port}", token=token, timeout=600)
        replica.transport = http if ahead else OneAtATime(http)
        start = time.perf_counter()
        assert replica.push() == n
        return time.perf_counter() - start, http.body_bytes
    finally:
        if link:
            link.close()


def main():
    """Run and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kbit", type=float, default=0)
    parser.add_argument("--rtt-ms", type=float, default=0)
    args = parser.parse_args()
    link = f"{args.kbit:g} kbit/s, {args.rtt_ms:g} ms round trip" if args.kbit else "loopback"
    print(f"push of {args.n} movements in batches of {PUSH_BATCH}, {link}")
    times = {True: [], False: []}
    server = Server()
    try:
        wire = server.login()
        products = setup_products(wire, villages(server), str(uuid.uuid4()))
        for run in range(args.runs):
            # Interleaved, each first in turn: the machine's load, and the movements each push
            # adds to the database, fall on both alike.
            for ahead in (False, True) if run % 2 == 0 else (True, False):
                seconds, sent = push_once(server, wire.token, products, args.n, ahead, args.kbit, args.rtt_ms)
                times[ahead].append(seconds)
                load = os.getloadavg()[0]
                name = "ahead" if ahead else "one at a time"
                print(f"run {run + 1} {name:>13}: {seconds * 1000:8.0f} ms, {sent:,} body bytes, load {load:.2f}")
    finally:
        server.stop()
    for ahead in (False, True):
        print(f"median {'ahead' if ahead else 'one at a time':>13}: {statistics.median(times[ahead]) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
