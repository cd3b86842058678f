"""Enrolment at a hub: a producer's phone that was never online gets tokens the hub signs, and they
hold at the hub, at the regional server, and through days at the hub without internet.

The hub registers its own public key on its account upstream in its first relay cycle; the
tokens it signs name that account's id as kid.
"""

import jwt
import pytest
import schemathesis
from sqlalchemy import select

from server.engine import hub_state
from server.engine.models import Device as DeviceRow
from server.engine.models import User
from server.extensions import db
from server.hub.relay import Upstream, cycle
from server.web.signing_keys import public_jwk_members, signing_key
from sync.ids import device_session_id
from tests.conftest import Headers
from tests.helpers import Device, new_id, producer_fields, product_fields

from .conftest import HUB_SIGNING_KEY, KECAMATAN, AppTransport

DESA = KECAMATAN + ".2001"  # Margaasih
NEIGHBOUR = KECAMATAN + ".2002"  # Lagadar, another desa of the kecamatan
ENROLL = "/api/v1/hub/enroll"
PULL = "/api/v1/sync/pull"


class CountingTransport(AppTransport):
    """The in-process transport, keeping the path of each request it sent."""

    def __init__(self, app):
        super().__init__(app)
        self.sent = []

    def __call__(self, method, path, params=None, body=None):
        self.sent.append((method, path))
        return super().__call__(method, path, params=params, body=body)


class Kecamatan:
    """The regional server and the hub of KECAMATAN, with a facilitator of DESA and two producers."""

    def __init__(self, app, hub_app, accounts):
        self.app, self.hub_app, self.accounts = app, hub_app, accounts
        config = hub_app.config
        accounts.make(role="hub", regions=(KECAMATAN,), phone=config["HUB_PHONE"], pin=config["HUB_PIN"])
        self.transport = CountingTransport(app)
        self.upstream = Upstream("", config["HUB_PHONE"], config["HUB_PIN"], new_id(), transport=self.transport)
        self.producer = self.account("producer", DESA)
        self.neighbour = self.account("producer", NEIGHBOUR)
        self.facilitator = self.login("facilitator", DESA)
        self.cycle()

    def account(self, role, region):
        """An account made upstream; answers its login answer (tokens and user)."""
        return self.accounts.login(self.accounts.make(role=role, regions=(region,)))

    def login(self, role, region):
        """Authorization headers of an account signed in upstream, as a phone brings them to the hub."""
        return bearer(self.account(role, region)["access_token"])

    def cycle(self):
        with self.hub_app.app_context():
            return cycle(self.upstream)

    def enroll(self, headers, user_id, device_id=None):
        body = {"user_id": user_id, "device_id": device_id or new_id()}
        return self.hub_app.test_client().post(ENROLL, json=body, headers=headers)

    def hub_id(self):
        return self.upstream.account["id"]


def bearer(token):
    headers = Headers({"Authorization": f"Bearer {token}"})
    headers.tokens = {"access_token": token}
    return headers


def code_of(response):
    return response.get_json()["error"]["code"]


@pytest.fixture
def kecamatan(app, hub_app, accounts):
    return Kecamatan(app, hub_app, accounts)


def enrolled_phone(kecamatan, client):
    """The producer's phone, enrolled at the hub by the facilitator: a Device on `client`'s server."""
    device_id = new_id()
    answer = kecamatan.enroll(kecamatan.facilitator, kecamatan.producer["user"]["id"], device_id)
    assert answer.status_code == 200, answer.get_json()
    phone = Device(client, bearer(answer.get_json()["access_token"]))
    phone.device_id, phone.tokens = device_id, answer.get_json()
    return phone


def test_the_first_cycle_registers_the_hubs_public_key_on_its_account_upstream(kecamatan, client, accounts):
    hub_key = public_jwk_members(signing_key(HUB_SIGNING_KEY).public)
    admin = accounts.headers(role="admin", regions=("32.04",))
    account = client.get(f"/api/v1/users/{kecamatan.hub_id()}", headers=admin).get_json()
    assert account["public_key"] == {**hub_key, "kid": kecamatan.hub_id(), "alg": "EdDSA", "use": "sig"}
    with kecamatan.hub_app.app_context():
        assert hub_state.recall("account_id") == kecamatan.hub_id()
    kecamatan.cycle()
    assert kecamatan.transport.sent.count(("PUT", "/api/v1/hub/key")) == 1


def test_a_facilitator_enrols_a_producers_phone_with_tokens_the_hub_signs(kecamatan):
    device_id = new_id()
    answer = kecamatan.enroll(kecamatan.facilitator, kecamatan.producer["user"]["id"], device_id)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["user"]["id"] == kecamatan.producer["user"]["id"]
    for token in (body["access_token"], body["refresh_token"]):
        assert jwt.get_unverified_header(token)["kid"] == kecamatan.hub_id()
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["dev"] == device_session_id(body["user"]["id"], device_id)
        assert claims["did"] == device_id
    pulled = kecamatan.hub_app.test_client().get(PULL, headers=bearer(body["access_token"]))
    assert pulled.status_code == 200, pulled.get_json()


def test_the_enrolment_answer_keeps_to_the_hubs_openapi_document(kecamatan):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", kecamatan.hub_app)
    body = {"user_id": kecamatan.producer["user"]["id"], "device_id": new_id()}
    case = api[ENROLL]["POST"].Case(body=body)
    assert case.call_and_validate(headers={**kecamatan.facilitator, "Accept-Encoding": "identity"}).status_code == 200


def test_an_admin_over_the_producer_enrols_too(kecamatan):
    admin = kecamatan.login("admin", "32.04")
    kecamatan.cycle()  # the hub mirrors accounts whose regions cover its kecamatan
    assert kecamatan.enroll(admin, kecamatan.producer["user"]["id"]).status_code == 200


@pytest.mark.parametrize("role, region", [("producer", DESA), ("facilitator", NEIGHBOUR), ("hub", KECAMATAN)])
def test_only_a_facilitator_or_admin_of_the_producers_desa_enrols(kecamatan, role, region):
    if role == "hub":
        headers = bearer(kecamatan.accounts.login(kecamatan.hub_app.config["HUB_PHONE"], pin="582047")["access_token"])
    else:
        headers = kecamatan.login(role, region)
    kecamatan.cycle()
    answer = kecamatan.enroll(headers, kecamatan.producer["user"]["id"])
    assert (answer.status_code, code_of(answer)) == (403, "forbidden")


@pytest.mark.parametrize("target", ["unknown", "made_after_the_last_cycle", "facilitator"])
def test_an_account_the_hub_does_not_hold_as_a_producer_is_not_found(kecamatan, target):
    user_id = {
        "unknown": new_id(),
        "made_after_the_last_cycle": kecamatan.account("producer", DESA)["user"]["id"],
        "facilitator": kecamatan.account("facilitator", DESA)["user"]["id"],
    }[target]
    answer = kecamatan.enroll(kecamatan.facilitator, user_id)
    assert (answer.status_code, code_of(answer)) == (404, "account_not_at_hub")
    assert answer.get_json()["error"]["message"].startswith("Akun produsen ini belum ada di hub")


def test_enrolling_takes_a_signed_in_account(kecamatan):
    answer = kecamatan.enroll({}, kecamatan.producer["user"]["id"])
    assert (answer.status_code, code_of(answer)) == (401, "unauthorized")


def test_a_hub_that_never_reached_upstream_enrols_no_phone(kecamatan):
    with kecamatan.hub_app.app_context():
        hub_state.remember("account_id", None)  # as before its first login upstream: no kid to sign with
        db.session.commit()
    answer = kecamatan.enroll(kecamatan.facilitator, kecamatan.producer["user"]["id"])
    assert (answer.status_code, code_of(answer)) == (503, "hub_not_ready")
    assert answer.headers["Retry-After"] == "30"


def test_the_regional_server_enrols_no_phone(kecamatan, client, accounts):
    facilitator = accounts.headers(role="facilitator", regions=(DESA,))
    body = {"user_id": kecamatan.producer["user"]["id"], "device_id": new_id()}
    answer = client.post(ENROLL, json=body, headers=facilitator)
    assert (answer.status_code, code_of(answer)) == (404, "not_a_hub")


def test_a_stolen_hub_yields_no_pin(kecamatan):
    enrolled_phone(kecamatan, kecamatan.hub_app.test_client())
    with kecamatan.hub_app.app_context():
        assert {row.pin_hash for row in db.session.query(User)} == {"!"}
        assert db.session.query(User).count() >= 4


def producer_record(kecamatan, client, accounts):
    """The producer's record, made upstream by a facilitator with the producer's phone, and taken by the hub."""
    facilitator = Device(client, accounts.headers(role="facilitator", regions=(DESA,)))
    producer_id = new_id()
    fields = producer_fields(village_code=DESA, phone=kecamatan.producer["user"]["phone"])
    assert facilitator.statuses(facilitator.op("producer", producer_id, fields)) == ["applied"]
    kecamatan.cycle()
    return facilitator, producer_id


def test_an_enrolled_phones_ops_go_upstream_written_by_the_producer(kecamatan, client, accounts):
    regional, producer_id = producer_record(kecamatan, client, accounts)
    phone = enrolled_phone(kecamatan, kecamatan.hub_app.test_client())
    product_id = new_id()
    assert phone.statuses(phone.op("product", product_id, product_fields(producer_id))) == ["applied"]
    report = kecamatan.cycle()
    assert (report.pushed, report.rejected) == (1, 0)
    pulled = {c["entity_id"]: c["data"] for c in regional.pull_all()}
    assert pulled[product_id]["created_by"] == kecamatan.producer["user"]["id"]
    with kecamatan.app.app_context():
        row = db.session.get(DeviceRow, _session(kecamatan, phone))
        assert (row.device_id, row.user_id) == (phone.device_id, kecamatan.producer["user"]["id"])


@pytest.mark.parametrize("relayed_first", [True, False])
def test_an_enrolled_phone_going_online_syncs_upstream_with_the_hubs_tokens(kecamatan, client, accounts, relayed_first):
    _, producer_id = producer_record(kecamatan, client, accounts)
    at_the_hub = enrolled_phone(kecamatan, kecamatan.hub_app.test_client())
    online = Device(client, at_the_hub.headers)
    online.device_id = at_the_hub.device_id
    first, then = (at_the_hub, online) if relayed_first else (online, at_the_hub)
    for phone in (first, then):
        assert phone.statuses(phone.op("product", new_id(), product_fields(producer_id))) == ["applied"]
        assert kecamatan.cycle().rejected == 0
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(at_the_hub.tokens["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.get_json()
    with kecamatan.app.app_context():
        rows = db.session.scalars(select(DeviceRow).where(DeviceRow.device_id == at_the_hub.device_id)).all()
        assert [(row.id, row.revoked_at) for row in rows] == [(_session(kecamatan, at_the_hub), None)]


def _session(kecamatan, phone):
    return device_session_id(kecamatan.producer["user"]["id"], phone.device_id)


def test_refresh_at_the_hub_gives_tokens_the_hub_and_the_region_accept_without_internet(kecamatan, client):
    """A phone signed in upstream once keeps syncing at the hub after its access token expires."""
    at_the_hub = kecamatan.hub_app.test_client()
    # The hub's upstream (http://regional.invalid) is unreachable: nothing below asks it anything.
    refreshed = at_the_hub.post("/api/v1/auth/refresh", headers=bearer(kecamatan.producer["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.get_json()
    access = refreshed.get_json()["access_token"]
    assert jwt.get_unverified_header(access)["kid"] == kecamatan.hub_id()
    assert at_the_hub.get(PULL, headers=bearer(access)).status_code == 200
    assert client.get(PULL, headers=bearer(access)).status_code == 200


def test_an_enrolled_phone_refreshes_at_the_hub(kecamatan, client):
    phone = enrolled_phone(kecamatan, kecamatan.hub_app.test_client())
    at_the_hub = kecamatan.hub_app.test_client()
    refreshed = at_the_hub.post("/api/v1/auth/refresh", headers=bearer(phone.tokens["refresh_token"]))
    access = refreshed.get_json()["access_token"]
    assert jwt.decode(access, options={"verify_signature": False})["did"] == phone.device_id
    assert at_the_hub.get(PULL, headers=bearer(access)).status_code == 200
    assert client.get(PULL, headers=bearer(access)).status_code == 200


def test_a_device_revoked_upstream_is_not_enrolled_again(kecamatan, client, accounts):
    phone = enrolled_phone(kecamatan, client)  # online: the region registers it on first use
    phone.pull_all()
    admin = accounts.headers(role="admin", regions=("32.04",))
    assert client.post(f"/api/v1/devices/{phone.device_id}/revoke", headers=admin).status_code == 200
    kecamatan.cycle()
    answer = kecamatan.enroll(kecamatan.facilitator, kecamatan.producer["user"]["id"], phone.device_id)
    assert (answer.status_code, code_of(answer)) == (403, "device_revoked")
