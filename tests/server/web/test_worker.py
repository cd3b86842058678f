"""The web worker: gunicorn's own gthread worker, with what gunicorn refuses before the app sees
a request answered in the API's error shape (SYNC-CONTRACT 1.1)."""

import contextlib
import json
import os
import socket
import subprocess
import time
from importlib.metadata import version

from server.web.messages import MESSAGES
from tests.server.live_server import ROOT, SERVE_SECRETS, VENV, free_port


def hello(environ, start_response):
    """A WSGI app that answers every request it sees with 200."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@contextlib.contextmanager
def gunicorn():
    """gunicorn with one worker of our class serving hello(); yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--worker-class", "server.web.worker.JsonErrorThreadWorker", "--workers", "1"]
        + ["--threads", "2", "--bind", f"127.0.0.1:{port}", "tests.server.web.test_worker:hello"],
        cwd=ROOT,
        env={**os.environ, **SERVE_SECRETS},
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


def test_the_worker_relies_on_the_gunicorn_whose_error_hook_it_overrides():
    # Worker.handle_error(req, client, addr, exc) is the hook this worker overrides; a gunicorn
    # upgrade must come with this test's run against the new version, then this pin moved.
    assert version("gunicorn") == "27.0.1"


def test_what_gunicorn_refuses_is_answered_in_the_error_shape():
    with gunicorn() as port:
        assert raw_answer(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0] == 200
        for request, status, code in REFUSED:
            answer = raw_answer(port, request)
            assert answer[0] == status, answer
            _, headers, body = answer
            assert headers["content-type"] == "application/json"
            assert headers["connection"] == "close"
            assert int(headers["content-length"]) == len(body)
            error = json.loads(body)["error"]
            assert error == {"code": code, "message": MESSAGES[code][0], "details": {}}
