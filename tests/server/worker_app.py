"""A WSGI app for the worker's tests: answers which pool thread served the request.

`?hold=NAME` keeps the thread until the test releases it: the app leaves the file `NAME.started`
in the directory WORKER_APP_DIR names and waits for the test to create `NAME.release` there.
"""

import os
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs


def app(environ, start_response):
    """Answer 200 with the serving thread's native id (as /proc names it), after `?sleep=` seconds
    or a `?hold=` if asked."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "sleep" in query:
        time.sleep(float(query["sleep"][0]))
    if "hold" in query:
        hold(Path(os.environ["WORKER_APP_DIR"]), query["hold"][0])
    body = str(threading.get_native_id()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def hold(directory, name, timeout=120):
    """Say the request has started, then wait until the test releases it."""
    (directory / f"{name}.started").touch()
    deadline = time.monotonic() + timeout
    while not (directory / f"{name}.release").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
