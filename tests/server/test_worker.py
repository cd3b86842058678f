"""The web worker: a kept-alive connection's next request is served by the same thread, while
another thread stays free for the other connections."""

import contextlib
import os
import socket
import subprocess
import time

from server.worker import may_linger
from tests.server.live_server import ROOT, VENV, free_port


@contextlib.contextmanager
def gunicorn(threads, linger_ms):
    """gunicorn with one worker of our class and `threads` pool threads, serving tests/server/worker_app.py."""
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--worker-class", "server.worker.LingeringThreadWorker", "--workers", "1"]
        + ["--threads", str(threads), "--bind", f"127.0.0.1:{port}", "tests.server.worker_app:app"],
        cwd=ROOT,
        env={**os.environ, "KEEPALIVE_LINGER_MS": str(linger_ms)},
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
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


class Connection:
    """A keep-alive HTTP/1.1 connection that gives up after 10 seconds without an answer."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")

    def get(self):
        """GET /: answers the id of the thread that served it."""
        self.sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert self.file.readline().startswith(b"HTTP/1.1 200")
        length = 0
        while (line := self.file.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return self.file.read(length)

    def close(self):
        self.file.close()
        self.sock.close()


def test_a_thread_lingers_only_while_another_stays_free():
    assert may_linger(busy=1, threads=4)
    assert may_linger(busy=3, threads=4)
    assert not may_linger(busy=4, threads=4)
    assert not may_linger(busy=1, threads=1)  # a pool of one never lingers
    assert not may_linger(busy=1, threads=4, alive=False)  # a stopping worker lets go


def test_a_kept_alive_connection_is_served_by_the_same_thread_request_after_request():
    with gunicorn(threads=4, linger_ms=60_000) as port:
        connection = Connection(port)
        try:
            served_by = {connection.get() for _ in range(5)}
        finally:
            connection.close()
    assert len(served_by) == 1


def test_lingering_connections_never_keep_a_new_one_waiting():
    # With a linger of a minute and two threads, one thread may wait on a connection and the
    # other must not: a third connection is answered at once (within the client's 10 seconds).
    with gunicorn(threads=2, linger_ms=60_000) as port:
        connections = [Connection(port) for _ in range(3)]
        try:
            for connection in connections:
                connection.get()
            assert connections[2].get()
        finally:
            for connection in connections:
                connection.close()
