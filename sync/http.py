"""An HTTP transport for the sync client: one kept-alive connection, gzip both ways."""

import gzip
import http.client
import json
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from .client import TransportError

STREAM_PIECE = 64 * 1024


class Encoded(NamedTuple):
    """A request body ready for the wire: its bytes and the headers that say what they are."""

    data: bytes
    headers: dict


class HttpTransport:
    """Calls a Lumbung server; `transport(method, path, params, body)` -> (status, json)."""

    def __init__(self, base_url, token=None, timeout=60, compress=True):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        self.https = parts.scheme == "https"
        self.token = token
        self.timeout = timeout
        self.compress = compress
        self.conn = None

    def __call__(self, method, path, params=None, body=None):
        """Send one request; raises TransportError when no answer came."""
        if params:
            path = f"{path}?{urlencode(params)}"
        headers = {"Accept-Encoding": "gzip", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data, more_headers = body if isinstance(body, Encoded) else self.encode(body)
            headers.update(more_headers)
        try:
            return self._send(method, path, data, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportError(str(exc)) from exc

    def encode(self, body):
        """A JSON body as the wire carries it (gzipped when compressing): the client makes the next
        push's while the one before is on the wire, and passes it to a call as its body."""
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if self.compress:
            data = gzip.compress(data, compresslevel=6, mtime=0)  # the same body, the same bytes
            headers["Content-Encoding"] = "gzip"
        return Encoded(data, headers)

    def _connect(self):
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        self.conn = cls(self.host, self.port, timeout=self.timeout)

    def _send(self, method, path, data, headers):
        if self.conn is None:
            self._connect()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return response.status, json.loads(raw) if raw else None

    def stream(self, method, path, headers=None, body=None, sink=None):
        """Send one request whose body is an open file (or none), writing a 200 or 206 answer's body
        into `sink` piece by piece; answers (status, headers, JSON body or None). Memory stays small
        whatever the size: http.client reads a file body in blocks."""
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            if self.conn is None:
                self._connect()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            if sink is not None and response.status in (200, 206):
                while piece := response.read(STREAM_PIECE):
                    sink.write(piece)
                return response.status, answer_headers, None
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportError(str(exc)) from exc
        is_json = answer_headers.get("content-type", "").startswith("application/json")
        return response.status, answer_headers, json.loads(raw) if raw and is_json else None

    def login(self, phone, pin, device_id):
        """Log in and keep the access token for later calls; answers the login body."""
        status, body = self("POST", "/api/v1/auth/login", body={"phone": phone, "pin": pin, "device_id": device_id})
        if status != 200:
            raise TransportError(f"login failed: {status} {body}")
        self.token = body["access_token"]
        return body

    def close(self):
        """Drop the connection (the next call opens a new one)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None
