"""Browser benchmark: the PWA's own modules against PouchDB, in the same headless Chromium.

    python -m tests.bench.browser [--runs 3] [--n 10000] [--batch-size 1000] [--no-peer]
                                  [--markdown docs/benchmarks.md]

Lumbung side: the PWA's modules (tests/bench/browser_entry.js, bundled with esbuild from
pwa/src: IndexedDB, Replica, transport, SyncLoop) in a fresh Chromium profile log in to Lumbung
under gunicorn on SQLite and sync the 500 products of 50 producers; offline, they record n stock
movements, one Replica.upsert each (the movement form's save); online again, one run of the sync
loop sends them (push, then its pull). A second, fresh profile logs in and syncs everything down.

Peer side: pouchdb-browser ("idb" adapter, its default) in the same Chromium records the same n
documents of the peer's shape (../shared/bench/peer-sync), one `put` each (a CHT form saves one
report at a time), replicates them to pouchdb-server (leveldb) and, in a fresh profile, back.

Wire bytes are counted by a TCP proxy in front of each server (both directions, headers
included). Storage is the profile's IndexedDB folder on disk (du), each profile closed first:
after recording, after the push, after the fresh pull. Chromium runs with --disable-web-security
so that neither side pays CORS preflights. Each figure is the median of `--runs` runs.
"""

import argparse
import contextlib
import functools
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.bench import report
from tests.bench.sync import PEER, Server, free_port, setup_products, villages

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-web-security"]
PEER_HOME = Path(os.environ.get("PEER_HOME", "/tmp/peer-sync-bench"))
PHONE = "+6281200000001"
# The budgets: the peer's figure over ours, at least (storage: ours at most a third).
BUDGETS = {"push": 10, "pull": 10, "storage": 3}
PAGE = '<!doctype html><meta charset="utf-8"><title>bench</title><script src="bench.js"></script>'


def build_page(folder):
    """Bundle the bench entry (the PWA's modules and pouchdb-browser) into folder/bench.js."""
    script = (
        "require('esbuild').build({entryPoints: ['tests/bench/browser_entry.js'], bundle: true, format: 'iife',"
        f" target: 'chrome100', minify: true, outfile: {json.dumps(str(folder / 'bench.js'))}}})"
        ".catch(() => process.exit(1))"
    )
    subprocess.run(["node", "-e", script], cwd=ROOT, check=True)
    (folder / "index.html").write_text(PAGE)


class Quiet(http.server.SimpleHTTPRequestHandler):
    """A static file handler that logs nothing."""

    def log_message(self, *args):
        pass


def serve_folder(folder):
    """Serve folder over HTTP on 127.0.0.1 in a thread; answers the server."""
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that counts the bytes each way between clients and one server."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.up = self.down = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink, way in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(target=self._pipe, args=(source, sink, way), daemon=True).start()

    def _pipe(self, source, sink, way):
        try:
            while data := source.recv(65536):
                with self.lock:
                    setattr(self, way, getattr(self, way) + len(data))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
            source.close()  # each socket is read by one thread: that thread closes it

    def total(self):
        """Bytes counted so far, both ways."""
        with self.lock:
            return self.up + self.down

    def close(self):
        """Stop accepting connections."""
        self.listener.close()


class PouchServer:
    """pouchdb-server on leveldb in a temp folder, installed and started as peer-sync/run.sh does."""

    def __init__(self):
        PEER_HOME.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PEER / name, PEER_HOME / name)
        if not (PEER_HOME / "node_modules" / "pouchdb-server").is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_HOME, check=True, capture_output=True)
        self.dir = Path(tempfile.mkdtemp(prefix="peer-sync-server."))
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["node", str(PEER_HOME / "node_modules/pouchdb-server/bin/pouchdb-server"), "-o", "127.0.0.1"]
            + ["-p", str(self.port), "-d", str(self.dir), "-c", str(self.dir / "config.json"), "-n", "--no-color"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/"):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("pouchdb-server did not start")

    def stop(self):
        """Stop the server by its pid and remove its folder."""
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def indexeddb_bytes(profile):
    """The size on disk of a closed profile's IndexedDB folder (du, in bytes)."""
    out = subprocess.run(["du", "-sb", str(profile / "Default" / "IndexedDB")], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.returncode == 0 else 0


class Profile:
    """A Chromium profile of its own (a persistent context in a temp folder) with the bench page open."""

    def __init__(self, playwright, url):
        self.playwright = playwright
        self.url = url
        self.dir = Path(tempfile.mkdtemp(prefix="lumbung-bench-profile-"))
        self.open()

    def open(self):
        """Launch Chromium on the profile and open the page."""
        self.context = self.playwright.chromium.launch_persistent_context(
            str(self.dir), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.goto(self.url)

    def call(self, name, *args):
        """Call window.bench[name](...args) in the page and answer its result."""
        return self.page.evaluate("([name, args]) => window.bench[name](...args)", [name, list(args)])

    def timed(self, proxy, name, *args):
        """Call a bench function: {ms, bytes} it took (bytes through proxy, when given)."""
        before = proxy.total() if proxy else 0
        start = time.perf_counter()
        self.call(name, *args)
        ms = (time.perf_counter() - start) * 1000
        # The last bytes of an answer may still be in the proxy's threads when the page has it.
        time.sleep(0.2)
        return {"ms": ms, "bytes": (proxy.total() - before) if proxy else 0}

    def storage(self):
        """Close Chromium and answer the size of the profile's IndexedDB on disk."""
        self.context.close()
        return indexeddb_bytes(self.dir)

    def remove(self):
        """Close Chromium if it is open, and delete the profile's folder."""
        with contextlib.suppress(Exception):  # closed already
            self.context.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def record_offline(profile, name, *args):
    """Call a bench recording function with the network off: {ms, bytes, storage} it took."""
    profile.context.set_offline(True)
    figures = profile.timed(None, name, *args)
    profile.context.set_offline(False)
    figures["storage"] = profile.storage()
    profile.open()
    return figures


@contextlib.contextmanager
def cleanup(server, proxy, profiles):
    """Remove the run's profiles, and stop its proxy and server, however the run ends."""
    try:
        yield
    finally:
        for profile in profiles:
            profile.remove()
        proxy.close()
        server.stop()


def run_ours(playwright, url, n):
    """One run of the Lumbung side on a fresh database: its figures."""
    server = Server()
    proxy = CountingProxy(server.port)
    base = f"http://127.0.0.1:{proxy.port}"
    profiles = []
    with cleanup(server, proxy, profiles):
        facilitator = server.login()
        setup_products(facilitator, villages(server), str(uuid.uuid4()))
        facilitator.close()
        device = Profile(playwright, url)
        profiles.append(device)
        device.call("lumbungOpen", base)
        device.call("lumbungLogin", PHONE)
        device.call("lumbungSync")
        products = device.call("lumbungProducts")
        assert len(products) == 500, len(products)
        record = record_offline(device, "lumbungRecord", n, products, int(time.time() * 1000))
        device.call("lumbungOpen", base)
        push = device.timed(proxy, "lumbungSync")
        assert device.call("lumbungSync")["pending"] == 0
        push["storage"] = device.storage()
        fresh = Profile(playwright, url)
        profiles.append(fresh)
        fresh.call("lumbungOpen", base)
        fresh.call("lumbungLogin", PHONE)
        pull = fresh.timed(proxy, "lumbungSync")
        assert fresh.call("lumbungMovements") == n
        pull["storage"] = fresh.storage()
        return {"record": record, "push": push, "pull": pull}


def run_peer(playwright, url, n, batch_size):
    """One run of the PouchDB side against a fresh pouchdb-server: its figures."""
    server = PouchServer()
    proxy = CountingProxy(server.port)
    remote = f"http://127.0.0.1:{proxy.port}/bench"
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{server.port}/bench", method="PUT")):
        pass
    products = [str(uuid.uuid4()) for _ in range(500)]
    profiles = []
    with cleanup(server, proxy, profiles):
        device = Profile(playwright, url)
        profiles.append(device)
        device.call("pouchOpen")
        record = record_offline(device, "pouchRecord", n, products, str(uuid.uuid4()), int(time.time() * 1000))
        device.call("pouchOpen")
        push = device.timed(proxy, "pouchReplicate", "push", remote, batch_size)
        push["storage"] = device.storage()
        fresh = Profile(playwright, url)
        profiles.append(fresh)
        fresh.call("pouchOpen")
        pull = fresh.timed(proxy, "pouchReplicate", "pull", remote, batch_size)
        assert fresh.call("pouchOpen") == n
        pull["storage"] = fresh.storage()
        return {"record": record, "push": push, "pull": pull}


def medians(runs):
    """Median of each figure over runs."""
    return {phase: {key: statistics.median(r[phase][key] for r in runs) for key in runs[0][phase]} for phase in runs[0]}


def rows(ours, peer=None):
    """The table's rows: phase, our time/bytes/storage, the peer's, and the ratios."""
    out = []
    for phase, figures in ours.items():
        row = [phase, f"{figures['ms']:,.0f} ms", f"{figures['bytes']:,.0f}", f"{figures['storage']:,.0f}"]
        if peer:
            theirs = peer[phase]
            row += [f"{theirs['ms']:,.0f} ms", f"{theirs['bytes']:,.0f}", f"{theirs['storage']:,.0f}"]
            budget = f" (budget {BUDGETS[phase]}x)" if phase in BUDGETS else ""
            row.append(f"{theirs['ms'] / figures['ms']:.1f}x{budget}")
            row.append(f"{theirs['bytes'] / figures['bytes']:.1f}x" if figures["bytes"] else "")
            row.append(f"{theirs['storage'] / figures['storage']:.1f}x (budget {BUDGETS['storage']}x)")
        out.append(row)
    return out


HEADERS = ["phase", "Lumbung", "wire bytes", "IndexedDB bytes"]
PEER_HEADERS = ["PouchDB", "wire bytes", "IndexedDB bytes", "time x", "bytes x", "storage x"]


def print_table(title, ours, peer=None):
    """Print the table of figures (and ratios when the peer ran)."""
    headers = HEADERS + (PEER_HEADERS if peer else [])
    table = [headers] + rows(ours, peer)
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    print(f"\n{title}")
    for r in table:
        print("  ".join(cell.rjust(width) for cell, width in zip(r, widths, strict=True)))


def markdown(args, ours, peer=None):
    """The run's table in Markdown, for report.write_section."""
    runs = f"medians of {args.runs} runs" if args.runs > 1 else "one run"
    how = (
        f"{args.n:,} stock movements of 500 products recorded offline in headless Chromium, then pushed, "
        f"then pulled into a fresh profile; {runs}. Lumbung: the PWA's own modules (Replica.upsert per "
        "movement; its push is one run of the sync loop, which pulls the device's own movements back after "
        "sending them) against gunicorn on SQLite"
    )
    if peer:
        how += (
            f"; PouchDB: pouchdb-browser, one `put` per document, replication (batch_size {args.batch_size}) "
            "to pouchdb-server on leveldb"
        )
    how += (
        ". Wire bytes both ways, headers included; IndexedDB bytes: the closed profile's IndexedDB folder "
        "after the phase"
    )
    headers = HEADERS + (PEER_HEADERS if peer else [])
    return f"{how}.\n\n{report.table(headers, rows(ours, peer))}\n"


def main(argv=None):
    """Run the benchmark and print its table (and write it with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=1000, help="PouchDB's replication batch_size")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--markdown", type=Path, help="also write the table into this file's browser section")
    args = parser.parse_args(argv)
    page_dir = Path(tempfile.mkdtemp(prefix="lumbung-bench-page-"))
    build_page(page_dir)
    static = serve_folder(page_dir)
    url = f"http://127.0.0.1:{static.server_address[1]}/index.html"
    ours, peer = [], []
    try:
        with sync_playwright() as playwright:
            # Interleaved, so that a slow minute of a noisy machine weighs on each side alike.
            for i in range(args.runs):
                ours.append(run_ours(playwright, url, args.n))
                if not args.no_peer:
                    peer.append(run_peer(playwright, url, args.n, args.batch_size))
                print(f"run {i + 1}/{args.runs} done", file=sys.stderr)
    finally:
        static.shutdown()
        static.server_close()
        shutil.rmtree(page_dir, ignore_errors=True)
    ours, peer = medians(ours), (medians(peer) if peer else None)
    print_table(f"Browser: Lumbung's PWA vs PouchDB, {args.n:,} movements, medians of {args.runs}", ours, peer)
    if args.markdown:
        body = markdown(args, ours, peer)
        title = "Browser: the PWA against PouchDB in Chromium"
        section = report.section(title, "tests.bench.browser", body, args.markdown)
        report.write_section(args.markdown, "browser", section)
    return ours, peer


if __name__ == "__main__":
    main()
