"""The web worker: a kept-alive connection's next request is served by the same thread, while
another thread stays free for the other connections."""

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from server.messages import MESSAGES
from server.worker import LINGER_SECONDS, may_linger
from tests.server.live_server import ROOT, SERVE_SECRETS, VENV, free_port

MINUTE_MS = 60_000  # a linger far longer than any test: what a thread does while it lingers shows


@contextlib.contextmanager
def gunicorn(tmp_path, threads, linger_ms=MINUTE_MS):
    """gunicorn with one worker of our class and `threads` pool threads, serving tests/server/worker_app.py."""
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--worker-class", "server.worker.LingeringThreadWorker", "--workers", "1"]
        + ["--threads", str(threads), "--bind", f"127.0.0.1:{port}", "tests.server.worker_app:app"],
        cwd=ROOT,
        env={**os.environ, **SERVE_SECRETS, "KEEPALIVE_LINGER_MS": str(linger_ms), "WORKER_APP_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port)).close()
                break
            assert time.monotonic() < deadline and proc.poll() is None, "gunicorn did not start"
            time.sleep(0.05)
        yield Server(port, proc.pid, tmp_path)
    finally:
        for held in tmp_path.glob("*.started"):  # no held request outlives the test
            held.with_suffix(".release").touch()
        proc.terminate()
        proc.wait(10)


class Server:
    """A started gunicorn: its port, and the states of its threads a test waits for (read in /proc)."""

    def __init__(self, port, master, directory):
        self.port, self.master, self.directory = port, master, directory

    def worker(self):
        """The pid of gunicorn's worker: the master's child."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.master:
                    return int(stat.parent.name)
        raise AssertionError("gunicorn has no worker")

    def wait_lingering(self, thread):
        """Wait until pool thread `thread` (its native id, as worker_app answers) waits in poll() for
        its connection's next request: the only poll() of a pool thread (it reads with recv())."""
        task = Path(f"/proc/{self.worker()}/task/{int(thread)}")
        wait_until(lambda: (task / "wchan").read_text().startswith("poll_schedule_timeout"))

    def wait_held(self, name):
        """Wait until the request sent with `?hold=name` is being served (worker_app)."""
        wait_until((self.directory / f"{name}.started").exists)

    def release(self, name):
        """Let the request sent with `?hold=name` be answered."""
        (self.directory / f"{name}.release").touch()


def wait_until(condition, timeout=60):
    """Wait until condition() is true; a cap for a failing run, not a budget."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited a minute"
        time.sleep(0.01)


class Connection:
    """A keep-alive HTTP/1.1 connection that gives up after `timeout` seconds without an answer."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, path="/"):
        """Send a GET without waiting for its answer."""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())

    def answer(self):
        """Read the next answer: the id of the thread that served it."""
        assert self.file.readline().startswith(b"HTTP/1.1 200")
        length = 0
        while (line := self.file.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return self.file.read(length)

    def get(self, path="/"):
        """GET and wait for the answer: the id of the thread that served it."""
        self.send(path)
        return self.answer()

    def close(self):
        self.file.close()
        self.sock.close()


@contextlib.contextmanager
def opener(port):
    """A function opening connections (each just before its first request: gunicorn gives a new
    connection a thread until its first request comes); all closed afterwards."""
    opened = []

    def connect(timeout=10):
        opened.append(Connection(port, timeout))
        return opened[-1]

    try:
        yield connect
    finally:
        for connection in opened:
            connection.close()


def _send_all(connection, path, count):
    with contextlib.suppress(OSError):
        connection.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * count)


def test_a_thread_lingers_only_while_another_is_free():
    assert LINGER_SECONDS > 0  # the default (and what the environment of this run sets)
    assert may_linger(busy=1, threads=4)
    assert may_linger(busy=3, threads=4)
    assert not may_linger(busy=4, threads=4)
    assert not may_linger(busy=1, threads=1)  # a pool of one never lingers
    assert not may_linger(busy=1, threads=4, alive=False)  # a stopping worker lets go


def test_a_kept_alive_connection_keeps_its_thread_and_the_others_are_served_by_the_others(tmp_path):
    # Three threads: while one of the others finishes an answer, one is still free, so the kept
    # thread may go on lingering whenever its connection's next request comes.
    with gunicorn(tmp_path, threads=3) as server, opener(server.port) as connect:
        kept = connect()
        own = kept.get()
        server.wait_lingering(own)
        served_by = {connect().get() for _ in range(10)}
        assert kept.get() == own
    # Other threads answered all ten; with gunicorn's own worker, the first thread (idle again
    # after each answer) would have taken some, or all.
    assert own not in served_by


def test_a_lingering_thread_serves_a_waiting_connection_before_its_own(tmp_path):
    with gunicorn(tmp_path, threads=2) as server, opener(server.port) as connect:
        kept = connect()
        server.wait_lingering(kept.get())
        busy = connect(timeout=60)
        busy.send("/?hold=busy")  # the other thread is busy until released
        server.wait_held("busy")
        waiting = connect(timeout=60)
        waiting.send()  # no thread free: it waits in gunicorn's queue
        time.sleep(1)  # for gunicorn's main thread to queue it (nothing outside shows when it has)
        kept.send("/?hold=kept")  # the lingering thread sees its request come, and another waiting
        # Answered first: had the lingering thread served its own request first, that request
        # would hold the thread until released, and this would wait until it timed out.
        waiting.answer()
        server.release("kept")
        server.release("busy")
        kept.answer()
        busy.answer()


def test_a_client_sending_requests_without_pause_never_keeps_a_pool_of_one_from_the_others(tmp_path):
    with gunicorn(tmp_path, threads=1) as server, opener(server.port) as connect:
        # 20,000 requests of 5 ms in one stream (at least 100 s), so that the next is nearly always
        # read with the last one (gunicorn reads 8 KiB at a time); its answers are drained on a
        # thread of their own.
        streaming = connect()
        answered = threading.Event()

        def drain():
            with contextlib.suppress(OSError):
                while streaming.sock.recv(65536):
                    answered.set()

        threading.Thread(target=drain, daemon=True).start()
        threading.Thread(target=_send_all, args=(streaming, "/?sleep=0.005", 20_000), daemon=True).start()
        assert answered.wait(60)
        # Answered in its turn, after a request or two of the stream, not after the whole stream:
        # the 15 s limit is a cap far from both.
        connect(timeout=15).get()


# -- what gunicorn refuses before the app sees it: in the error shape too (SYNC-CONTRACT 1.1) ------


def raw_answer(port, request):
    """Send raw request bytes; answers (status, headers, body) of the answer read to the end."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


REFUSED = [
    (b"GET /" + b"a" * 10_240 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_480 + b"\r\n\r\n", 431, "headers_too_large"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n", 400, "bad_request"),
    (b"GET / HTTP/7.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
]


def test_what_gunicorn_refuses_is_answered_in_the_error_shape(tmp_path):
    with gunicorn(tmp_path, threads=2, linger_ms=0) as server:
        for request, status, code in REFUSED:
            answer = raw_answer(server.port, request)
            assert answer[0] == status, answer
            _, headers, body = answer
            assert headers["content-type"] == "application/json"
            assert headers["connection"] == "close"
            assert int(headers["content-length"]) == len(body)
            error = json.loads(body)["error"]
            assert error == {"code": code, "message": MESSAGES[code][0], "details": {}}
