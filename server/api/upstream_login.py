"""Login at a hub: the regional server checks the PIN, as a hub holds none.

A phone that opens the app at the hub's own address signs in there; the hub passes the phone,
PIN and device on to the regional server, keeps nothing of the PIN, and answers the region's
tokens, which the hub verifies with the region's public key from then on, offline too. Without
internet no PIN can be checked: the phone is set up with a facilitator's code instead
(server/api/claim.py), or signs in the next time the hub reaches the regional server.
"""

from flask import current_app

from sync.client import TransportError
from sync.http import HttpTransport

from ..engine import hub_accounts, sync_now
from ..extensions import db
from ..web.errors import ApiError

TIMEOUT = 15  # seconds: a phone waits for its login no longer than this
TRANSPORT = "lumbung.upstream_transport"  # app.extensions: another transport to upstream (tests)
PASSED_ON = (401, 422, 429)  # upstream's answers the phone gets as they are: wrong PIN, weak, too many


def login_upstream(body):
    """Answer the regional server's login answer for phone, PIN and device, or raise an ApiError."""
    transport = current_app.extensions.get(TRANSPORT) or HttpTransport(
        current_app.config["UPSTREAM_URL"], timeout=TIMEOUT
    )
    request = {"phone": body["phone"], "pin": body["pin"], "device_id": body["device_id"]}
    try:
        status, answer = transport("POST", "/api/v1/auth/login", body=request)
    except TransportError as exc:
        raise ApiError(503, "upstream_unreachable", headers={"Retry-After": "30"}) from exc
    if status != 200:
        error = (answer or {}).get("error") or {}
        code = error.get("code", "upstream_unreachable") if status in PASSED_ON else "upstream_unreachable"
        raise ApiError(
            status if status in PASSED_ON else 503, code, error.get("details"), headers={"Retry-After": "30"}
        )
    if not hub_accounts.has_account(answer["user"]["id"]):
        sync_now.ask()  # an account made upstream since the last cycle: the relay learns it now
        db.session.commit()
    return answer
