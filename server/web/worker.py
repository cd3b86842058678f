"""gunicorn's threaded worker, answering what gunicorn refuses itself in the API's error shape.

gunicorn answers a request line or headers too long, or bytes no header may hold, with an HTML
page before the app sees the request. Worker.handle_error is the hook gunicorn's workers call
for those; this worker overrides it and is otherwise gunicorn's own gthread worker. The test
beside it pins the gunicorn version whose hook it relies on.
"""

import json
import ssl

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

from .messages import message

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


class JsonErrorThreadWorker(JsonErrors, ThreadWorker):
    """gunicorn's gthread worker, its own refusals in the API's error shape."""
