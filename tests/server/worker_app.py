"""A WSGI app for the worker's tests: answers which pool thread served the request."""

import threading


def app(environ, start_response):
    """Answer 200 with the serving thread's id."""
    body = str(threading.get_ident()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
