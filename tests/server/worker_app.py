"""A WSGI app for the worker's tests: answers which pool thread served the request."""

import threading
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    """Answer 200 with the serving thread's id, after `?sleep=` seconds if asked."""
    sleep = parse_qs(environ.get("QUERY_STRING", "")).get("sleep")
    if sleep:
        time.sleep(float(sleep[0]))
    body = str(threading.get_ident()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
