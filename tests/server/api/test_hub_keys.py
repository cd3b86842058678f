"""A hub's own key: registered on its account (by an admin, or by the hub), honoured only inside its kecamatan.

A hub enrols at the kecamatan office a phone that was never online, and signs its tokens with a
key of its own, the kid being the hub's account id. This server honours such a token for an
account whose regions all lie in the hub's kecamatan, and for nobody else.
"""

import json
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from server.engine.models import Device
from server.extensions import db
from server.web.signing_keys import public_jwk_members, signing_key
from sync.ids import device_session_id
from tests.conftest import TEST_SIGNING_KEY

USERS = "/api/v1/users"
ME = "/api/v1/devices"  # any endpoint that takes an access token
REFRESH = "/api/v1/auth/refresh"
KECAMATAN = "32.04.10"  # Kec. Margaasih
VILLAGE = "32.04.10.2001"  # Margaasih
NEIGHBOUR = "32.04.10.2002"  # Lagadar, the same kecamatan
OTHER_KECAMATAN_DESA = "32.04.05.2001"  # Cileunyi Kulon, Kec. Cileunyi


def jwk(private):
    """The public JWK of a private key."""
    return public_jwk_members(private.public_key())


def claims_of(token):
    """The (unverified) claims of a token."""
    return jwt.decode(token, options={"verify_signature": False})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def code_of(response):
    return response.get_json()["error"]["code"]


class Hub:
    """A hub account made through the API by the admin of 32.04, and its private key."""

    def __init__(self, client, admin, regions=(KECAMATAN,), phone="081277770000"):
        self.client, self.admin = client, admin
        self.private = Ed25519PrivateKey.generate()
        body = {"phone": phone, "pin": "135790", "name": "Hub Margaasih", "role": "hub", "regions": list(regions)}
        response = client.post(USERS, json={**body, "public_key": jwk(self.private)}, headers=admin)
        assert response.status_code == 201, response.get_json()
        self.account = response.get_json()
        self.id = self.account["id"]

    def sign(self, token, key=None, kid=None):
        """A token the server issued, its claims signed again by the hub (or another key), as a hub issues them."""
        headers = {"kid": kid or self.id}
        return jwt.encode(claims_of(token), key or self.private, algorithm="EdDSA", headers=headers)

    def patch(self, **body):
        response = self.client.patch(f"{USERS}/{self.id}", json=body, headers=self.admin)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def admin(accounts):
    return accounts.headers(role="admin", regions=("32.04",))


@pytest.fixture
def hub(client, admin):
    return Hub(client, admin)


def test_an_admin_registers_a_hubs_public_key_shown_with_the_kid_its_tokens_carry(client, hub):
    assert hub.account["public_key"] == {**jwk(hub.private), "kid": hub.id, "alg": "EdDSA", "use": "sig"}
    assert client.get(f"{USERS}/{hub.id}", headers=hub.admin).get_json()["public_key"]["kid"] == hub.id


def test_a_hub_without_a_key_shows_none_and_other_accounts_no_such_field(client, admin, accounts):
    body = {"phone": "081277770001", "pin": "135790", "name": "Hub", "role": "hub", "regions": [KECAMATAN]}
    assert client.post(USERS, json=body, headers=admin).get_json()["public_key"] is None
    assert "public_key" not in admin.user


@pytest.mark.parametrize(
    "key",
    [
        {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43},
        {"kty": "OKP", "crv": "Ed448", "x": "A" * 57},
        {"kty": "OKP", "crv": "Ed25519", "x": "A" * 42},
        {"kty": "OKP", "crv": "Ed25519"},
        "-----BEGIN PUBLIC KEY-----",
        ["OKP"],
    ],
)
def test_a_public_key_is_an_ed25519_jwk(client, admin, key):
    body = {"phone": "081277770001", "pin": "135790", "name": "Hub", "role": "hub", "regions": [KECAMATAN]}
    response = client.post(USERS, json={**body, "public_key": key}, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"]["fields"]["public_key"]["code"] == "invalid_public_key"


def test_a_private_key_is_refused_not_stored(client, admin):
    private = Ed25519PrivateKey.generate()
    whole = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private))
    body = {"phone": "081277770001", "pin": "135790", "name": "Hub", "role": "hub", "regions": [KECAMATAN]}
    response = client.post(USERS, json={**body, "public_key": whole}, headers=admin)
    assert response.get_json()["error"]["details"]["fields"]["public_key"]["code"] == "invalid_public_key"


def test_only_a_hub_has_a_public_key(client, admin):
    key = jwk(Ed25519PrivateKey.generate())
    body = {"phone": "081277770001", "pin": "135790", "name": "Bu Sari", "role": "facilitator", "regions": [VILLAGE]}
    refused = client.post(USERS, json={**body, "public_key": key}, headers=admin)
    assert refused.get_json()["error"]["details"]["fields"]["public_key"]["code"] == "hub_only"
    user_id = client.post(USERS, json=body, headers=admin).get_json()["id"]
    patched = client.patch(f"{USERS}/{user_id}", json={"public_key": key}, headers=admin)
    assert patched.get_json()["error"]["details"]["fields"]["public_key"]["code"] == "hub_only"


@pytest.mark.parametrize(
    "role, regions",
    [("facilitator", (VILLAGE,)), ("producer", (NEIGHBOUR,)), ("facilitator", (KECAMATAN,))],
)
def test_a_token_the_hub_signs_holds_for_an_account_of_its_kecamatan(client, accounts, hub, role, regions):
    tokens = accounts.headers(role=role, regions=regions).tokens
    assert client.get(ME, headers=bearer(hub.sign(tokens["access_token"]))).status_code == 200
    refreshed = client.post(REFRESH, headers=bearer(hub.sign(tokens["refresh_token"])))
    assert refreshed.status_code == 200, refreshed.get_json()


@pytest.mark.parametrize(
    "role, regions",
    [
        ("facilitator", (OTHER_KECAMATAN_DESA,)),
        ("facilitator", (VILLAGE, OTHER_KECAMATAN_DESA)),  # all its regions, not one
        ("admin", ("32.04",)),
        ("producer", ("32.73.01.1001",)),
    ],
)
def test_a_token_the_hub_signs_is_refused_outside_its_kecamatan(client, accounts, hub, role, regions):
    tokens = accounts.headers(role=role, regions=regions).tokens
    for path, token in ((ME, tokens["access_token"]), (REFRESH, tokens["refresh_token"])):
        response = client.open(path, method="GET" if path == ME else "POST", headers=bearer(hub.sign(token)))
        assert (response.status_code, code_of(response)) == (401, "invalid_token"), path


def test_the_hubs_kid_with_another_key_is_refused(client, accounts, hub):
    token = accounts.headers(role="facilitator", regions=(VILLAGE,)).tokens["access_token"]
    forged = hub.sign(token, key=Ed25519PrivateKey.generate())
    response = client.get(ME, headers=bearer(forged))
    assert (response.status_code, code_of(response)) == (401, "invalid_token")


def test_a_kid_naming_no_hub_with_a_key_is_refused(client, accounts, admin, hub):
    facilitator = accounts.headers(role="facilitator", regions=(VILLAGE,))
    token = facilitator.tokens["access_token"]
    keyless = Hub(client, admin, phone="081277770002")
    keyless.patch(public_key=None)
    for kid in (facilitator.user["id"], keyless.id, str(uuid.uuid4()), "not-a-uuid"):
        response = client.get(ME, headers=bearer(hub.sign(token, kid=kid)))
        assert (response.status_code, code_of(response)) == (401, "invalid_token"), kid


def test_a_key_removed_or_replaced_stops_the_hubs_tokens_at_once(client, accounts, hub):
    token = accounts.headers(role="facilitator", regions=(VILLAGE,)).tokens["access_token"]
    signed = hub.sign(token)
    assert client.get(ME, headers=bearer(signed)).status_code == 200
    new = Ed25519PrivateKey.generate()
    assert hub.patch(public_key=jwk(new))["public_key"]["x"] == jwk(new)["x"]
    assert client.get(ME, headers=bearer(signed)).status_code == 401
    assert client.get(ME, headers=bearer(hub.sign(token, key=new))).status_code == 200
    assert hub.patch(public_key=None)["public_key"] is None
    assert client.get(ME, headers=bearer(hub.sign(token, key=new))).status_code == 401


def test_an_account_that_is_made_a_facilitator_keeps_no_key(client, accounts, hub):
    token = accounts.headers(role="facilitator", regions=(VILLAGE,)).tokens["access_token"]
    assert "public_key" not in hub.patch(role="facilitator")
    assert client.get(ME, headers=bearer(hub.sign(token))).status_code == 401
    assert hub.patch(role="hub")["public_key"] is None


def test_the_servers_keys_list_no_hub_key(client, hub):
    """A hub verifies with GET /keys: another hub's key there would let it sign for any kecamatan."""
    kids = [key["kid"] for key in client.get("/api/v1/keys").get_json()["keys"]]
    assert kids == [signing_key(TEST_SIGNING_KEY).kid]


def test_a_hub_registers_its_own_key_and_only_a_hub(client, accounts, hub):
    hub_login = accounts.login("+6281277770000", pin="135790")
    mine = jwk(Ed25519PrivateKey.generate())
    answer = client.put("/api/v1/hub/key", json={"public_key": mine}, headers=bearer(hub_login["access_token"]))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["public_key"] == {**mine, "kid": hub.id, "alg": "EdDSA", "use": "sig"}
    facilitator = accounts.headers(role="facilitator", regions=(VILLAGE,))
    refused = client.put("/api/v1/hub/key", json={"public_key": mine}, headers=facilitator)
    assert (refused.status_code, code_of(refused)) == (403, "forbidden")


def test_a_hub_registers_no_private_key(client, accounts, hub):
    hub_login = accounts.login("+6281277770000", pin="135790")
    whole = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(Ed25519PrivateKey.generate()))
    answer = client.put("/api/v1/hub/key", json={"public_key": whole}, headers=bearer(hub_login["access_token"]))
    assert answer.get_json()["error"]["details"]["fields"]["public_key"]["code"] == "invalid_public_key"


def enrolled_claims(token, device_id):
    """A token's claims as a hub issues them to a phone it enrolled: its session derived from the device id."""
    claims = claims_of(token)
    return {**claims, "dev": device_session_id(claims["sub"], device_id), "did": device_id}


def sign_claims(hub, claims):
    return jwt.encode(claims, hub.private, algorithm="EdDSA", headers={"kid": hub.id})


def devices_named(app, device_id):
    with app.app_context():
        return db.session.scalars(select(Device.user_id).where(Device.device_id == device_id)).all()


def test_a_phone_the_hub_enrolled_is_registered_on_its_first_request_here(app, client, accounts, hub):
    producer = accounts.headers(role="producer", regions=(VILLAGE,))
    device_id = str(uuid.uuid4())
    token = sign_claims(hub, enrolled_claims(producer.tokens["access_token"], device_id))
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert devices_named(app, device_id) == [producer.user["id"]]


@pytest.mark.parametrize("case", ["outside_the_kecamatan", "session_not_of_the_device", "no_device"])
def test_a_hub_signed_token_registers_no_device_it_does_not_answer_for(app, client, accounts, hub, case):
    regions = (OTHER_KECAMATAN_DESA,) if case == "outside_the_kecamatan" else (VILLAGE,)
    producer = accounts.headers(role="producer", regions=regions)
    device_id = str(uuid.uuid4())
    claims = enrolled_claims(producer.tokens["access_token"], device_id)
    if case == "session_not_of_the_device":
        claims["did"] = str(uuid.uuid4())
    if case == "no_device":
        del claims["did"]
    response = client.get(ME, headers=bearer(sign_claims(hub, claims)))
    assert (response.status_code, code_of(response)) == (401, "device_revoked")
    assert devices_named(app, device_id) == devices_named(app, claims.get("did")) == []
