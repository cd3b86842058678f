"""gunicorn's threaded worker, keeping a kept-alive connection on its thread for a moment.

gunicorn's gthread worker hands every kept-alive connection back to its main thread after each
answer, and the next request on it back to a pool thread: two thread hand-offs (a pipe, the
poller, the pool's queue) between any two requests. A device in a sync session sends its next
push or page at once; an idle pull took 0.70 ms under gunicorn against 0.20 ms for the app
alone, and 0.52 ms once the connection waited on its thread for the next request.

So after an answer the pool thread waits up to KEEPALIVE_LINGER_MS for the next request on
the same connection, as gunicorn's own worker already waits for a new connection's first
request. It does so only while another thread of the pool is free (to take any connection that
comes meanwhile), and looks again before it serves the request that came, and before it serves
one already read; otherwise the connection goes back to gunicorn, which queues it behind the
others. A connection that comes while every other thread is busy waits at most the linger.

Apart from that, the worker answers what gunicorn refuses itself (a request line or headers too
long, bytes no header may hold) in the API's error shape (JsonErrors).
"""

import json
import os
import select
import ssl
import threading

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

from .messages import message

LINGER_SECONDS = int(os.environ.get("KEEPALIVE_LINGER_MS", "10")) / 1000


def may_linger(busy, threads, alive=True):
    """Whether a thread that has answered may keep its connection: `busy` threads (itself
    included) are at work of `threads`, and at least one must stay free for other connections."""
    return alive and LINGER_SECONDS > 0 and busy < threads


# What gunicorn refuses before the app sees a request, with the status gunicorn gives it
# (gunicorn.workers.base.Worker.handle_error); the first class that matches counts.
REFUSALS = (
    (errors.LimitRequestLine, 414, "URI Too Long", "uri_too_long"),
    (errors.LimitRequestHeaders, 431, "Request Header Fields Too Large", "headers_too_large"),
    (errors.ForbiddenProxyRequest, 403, "Forbidden", "forbidden"),
    (ssl.SSLError, 403, "Forbidden", "forbidden"),
    (errors.ExpectationFailed, 417, "Expectation Failed", "expectation_failed"),
    (errors.UnsupportedTransferCoding, 501, "Not Implemented", "not_implemented"),
    # The app's own fault (a header it tried to send), or gunicorn's configuration's.
    ((errors.InvalidResponseHeader, errors.InvalidResponseHeaderName), 500, "Internal Server Error", "internal_error"),
    (errors.ConfigurationProblem, 500, "Internal Server Error", "internal_error"),
    (errors.ParseException, 400, "Bad Request", "bad_request"),
)


class JsonErrors:
    """A gunicorn worker answering what it refuses itself in the API's error shape, not in HTML."""

    def handle_error(self, req, client, addr, exc):
        """Log the refused request as gunicorn does, and answer it {"error": {...}}; the worker
        closes the connection afterwards."""
        status, reason, code = next(
            ((status, reason, code) for kinds, status, reason, code in REFUSALS if isinstance(exc, kinds)),
            (500, "Internal Server Error", "internal_error"),
        )
        if status == 500:
            self.log.exception("Error handling request")
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        # No request was read, so no Accept-Language: the app's default language.
        body = json.dumps({"error": {"code": code, "message": message(code, "id"), "details": {}}}).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n\r\n"
        )
        try:
            # Without blocking, as gunicorn's own error page: a client that reads nothing
            # must not hold the thread.
            util.write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("Failed to send error message.")


class LingeringThreadWorker(JsonErrors, ThreadWorker):
    """gthread, with the next request on a kept-alive connection served by the same thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.busy = 0  # pool threads serving a connection
        self.busy_lock = threading.Lock()

    def handle(self, conn):
        """Serve requests on conn while the next one comes within the linger (runs on a pool thread)."""
        with self.busy_lock:
            self.busy += 1
        try:
            while True:
                keepalive = super().handle(conn)
                if keepalive is not True or not self._next_request_comes(conn):
                    return keepalive
        finally:
            with self.busy_lock:
                self.busy -= 1

    def _next_request_comes(self, conn):
        """Whether to serve the connection's next request on this thread: it is here, or comes
        within the linger, and no other connection needs the thread."""
        if not self._may_linger():
            return False  # to gunicorn, which queues the connection at once if a request is here
        if conn.parser.unreader.buf.getvalue():
            return True  # already read with the last request
        # poll, not select: a worker's sockets may be numbered past select's limit of 1,024.
        poller = select.poll()
        poller.register(conn.sock, select.POLLIN)
        return bool(poller.poll(LINGER_SECONDS * 1000)) and self._may_linger()

    def _may_linger(self):
        return may_linger(self.busy, self.cfg.threads, self.alive)
