"""The HTTP transport of the sync client, against a real HTTP server on 127.0.0.1."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.http import HttpTransport


class Recorder(BaseHTTPRequestHandler):
    """Notes each request's headers and body; answers {} with 200."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_body_encoded_ahead_goes_as_the_same_bytes_and_headers_as_one_encoded_in_the_call(recorder):
    transport = HttpTransport(f"http://127.0.0.1:{recorder.server_address[1]}", token="t")
    body = {"device_id": "d", "ops": [{"op_id": "o", "fields": {"qty": "12.5"}}]}
    assert transport("POST", "/api/v1/sync/push", body=body) == (200, {})
    assert transport("POST", "/api/v1/sync/push", body=transport.encode(body)) == (200, {})
    (headers, data), (headers_ahead, data_ahead) = recorder.seen
    assert data_ahead == data and json.loads(gzip.decompress(data)) == body
    assert headers_ahead["Content-Encoding"] == headers["Content-Encoding"] == "gzip"
    assert headers_ahead["Content-Type"] == headers["Content-Type"] == "application/json"
