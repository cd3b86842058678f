import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import select, text

from server import create_app
from server.api.auth import access_token
from server.engine.models import LoginAttempt, User
from server.extensions import db
from server.web import pins
from server.web.signing_keys import signing_key
from server.web.timeutil import utcnow
from tests.conftest import TEST_SIGNING_KEY, base_config

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/devices"  # any endpoint that takes an access token
PHONE = "+6281211112222"


def login(client, phone=PHONE, pin="246810", device_id=None, **kwargs):
    """POST a login; answers the response."""
    body = {"phone": phone, "pin": pin, "device_id": device_id or str(uuid.uuid4())}
    return client.post(LOGIN, json=body, **kwargs)


def bearer(token):
    """Authorization headers for a token."""
    return {"Authorization": f"Bearer {token}"}


def code_of(response):
    """The error code of a response."""
    return response.get_json()["error"]["code"]


def b64(data):
    """base64url without padding, as in a JWT."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def payload_of(token):
    """The decoded (unverified) payload of a JWT."""
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.mark.parametrize("spelling", ["+6281211112222", "6281211112222", "081211112222", "0812-1111-2222"])
def test_login_with_any_spelling_of_the_phone(client, accounts, spelling):
    accounts.make(role="facilitator", regions=("32.04.10",), phone=PHONE, name="Ibu Sari")
    response = login(client, spelling)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["phone"] == PHONE
    assert {k: body["user"][k] for k in ("name", "role", "regions")} == {
        "name": "Ibu Sari",
        "role": "facilitator",
        "regions": ["32.04.10"],
    }


def test_tokens_carry_the_account_id_as_a_string(app, client, accounts):
    accounts.make(phone=PHONE)
    body = login(client).get_json()
    with app.app_context():
        access, refresh = decode_token(body["access_token"]), decode_token(body["refresh_token"])
    assert access["sub"] == refresh["sub"] == body["user"]["id"]
    assert isinstance(access["sub"], str)
    assert (access["type"], refresh["type"]) == ("access", "refresh")


def test_tokens_are_signed_with_eddsa_and_name_their_key(accounts):
    tokens = accounts.headers().tokens
    kid = signing_key(TEST_SIGNING_KEY).kid
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": kid}


def test_tokens_carry_only_the_claims_read(accounts):
    """Each byte of a token is sent with every request: the account, the device, the times, and a
    refresh token's type (a token without one is an access token)."""
    tokens = accounts.headers().tokens
    access, refresh = payload_of(tokens["access_token"]), payload_of(tokens["refresh_token"])
    assert set(access) == {"sub", "dev", "iat", "exp"}
    assert set(refresh) == {"sub", "dev", "iat", "exp", "type"} and refresh["type"] == "refresh"


def test_tokens_issued_with_every_claim_of_the_library_still_hold(app, client, accounts):
    """Tokens phones already hold carry fresh, jti, type, nbf and a typ header: they hold until they expire."""
    tokens = accounts.headers().tokens
    claims = {"dev": payload_of(tokens["access_token"])["dev"]}
    user_id = payload_of(tokens["access_token"])["sub"]
    with app.test_request_context():
        access = create_access_token(identity=user_id, additional_claims=claims)
        refresh = create_refresh_token(identity=user_id, additional_claims=claims)
    assert {"jti", "nbf", "fresh"} <= set(payload_of(access)) and jwt.get_unverified_header(access)["typ"] == "JWT"
    assert client.get(ME, headers=bearer(access)).status_code == 200
    answer = client.post(REFRESH, headers=bearer(refresh))
    assert answer.status_code == 200
    assert client.get(ME, headers=bearer(answer.get_json()["access_token"])).status_code == 200
    assert code_of(client.post(REFRESH, headers=bearer(access))) == "invalid_token"  # an access token refreshes nothing


def test_a_refresh_token_is_no_access_token(client, accounts):
    tokens = accounts.headers().tokens
    response = client.get(ME, headers=bearer(tokens["refresh_token"]))
    assert (response.status_code, code_of(response)) == (401, "invalid_token")
    assert client.post(REFRESH, headers=bearer(tokens["access_token"])).status_code == 401


def test_a_token_signed_by_another_key_is_an_invalid_token(client, accounts):
    token = accounts.headers().tokens["access_token"]
    other = Ed25519PrivateKey.generate()
    for headers in ({"kid": jwt.get_unverified_header(token)["kid"]}, {"kid": "0" * 16}, {}):
        forged = jwt.encode(payload_of(token), other, algorithm="EdDSA", headers=headers)
        response = client.get(ME, headers=bearer(forged))
        assert (response.status_code, code_of(response)) == (401, "invalid_token"), headers


def hs256(claims, secret, kid):
    """A token signed with HMAC-SHA256, whatever the secret (PyJWT refuses to use a public key as one)."""
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = f"{head}.{b64(json.dumps(claims).encode())}"
    return f"{body}.{b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())}"


def test_an_hs256_token_is_refused_whatever_its_secret(app, client, accounts):
    """Signed with a symmetric JWT secret, with SECRET_KEY, or with the public key itself (the
    algorithm-confusion forgery): only EdDSA is taken."""
    token = accounts.headers().tokens["access_token"]
    public = signing_key(TEST_SIGNING_KEY).public
    secrets = (
        b"test-jwt-secret-" + b"x" * 32,
        app.config["SECRET_KEY"].encode(),
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(Encoding.Raw, PublicFormat.Raw),
    )
    for secret in secrets:
        forged = hs256(payload_of(token), secret, jwt.get_unverified_header(token)["kid"])
        response = client.get(ME, headers=bearer(forged))
        assert (response.status_code, code_of(response)) == (401, "invalid_token"), secret


def test_tokens_last_the_configured_24_hours_and_90_days(accounts):
    tokens = accounts.headers().tokens
    access, refresh = payload_of(tokens["access_token"]), payload_of(tokens["refresh_token"])
    assert access["exp"] - access["iat"] == 24 * 60 * 60
    assert refresh["exp"] - refresh["iat"] == 90 * 24 * 60 * 60


def test_short_access_tokens_when_configured(tmp_path):
    app = create_app({**base_config(tmp_path, "sqlite://"), "ACCESS_TOKEN_MINUTES": 5})
    with app.test_request_context():
        token = access_token("someone", {"dev": "a device"})
    assert payload_of(token)["exp"] - payload_of(token)["iat"] == 5 * 60


def test_pins_are_stored_as_argon2_hashes(app, accounts):
    accounts.make(phone=PHONE, pin="135790")
    with app.app_context():
        pin_hash = db.session.scalar(select(User.pin_hash).where(User.phone == PHONE))
    assert pin_hash.startswith("$argon2id$")
    assert "135790" not in pin_hash


def test_wrong_pin_and_unknown_phone_answer_the_same(client, accounts):
    accounts.make(phone=PHONE)
    wrong_pin, unknown = login(client, pin="000000"), login(client, "081299998888")
    assert wrong_pin.status_code == unknown.status_code == 401
    assert wrong_pin.get_json() == unknown.get_json()
    assert code_of(wrong_pin) == "invalid_credentials"


@pytest.fixture
def argon2_calls(monkeypatch):
    """The Argon2 hashes and verifies made from now on, by name."""
    calls = []
    for name in ("hash", "verify"):
        real = getattr(PasswordHasher, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, spy)
    return calls


def test_a_pin_with_a_trailing_newline_is_invalid(client, accounts):
    accounts.make(phone=PHONE)
    for body, field in (({"pin": "246810\n"}, "pin"), ({"device_id": str(uuid.uuid4()) + "\n"}, "device_id")):
        response = login(client, **body)
        assert response.status_code == 422
        assert field in response.get_json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"phone": "12345"}, "phone", "invalid_phone"),
        ({"phone": "+6512345678"}, "phone", "invalid_phone"),  # Singapore
        ({"phone": 81211112222}, "phone", "invalid_phone"),
        ({"pin": "12345"}, "pin", "invalid_pin"),
        ({"pin": "1234567"}, "pin", "invalid_pin"),
        ({"pin": "12345a"}, "pin", "invalid_pin"),
        ({"pin": 246810}, "pin", "invalid_pin"),
        ({"pin": "246810\n"}, "pin", "invalid_pin"),
        ({"pin": "２４６８１０"}, "pin", "invalid_pin"),  # fullwidth digits
        ({"device_id": "not-a-uuid"}, "device_id", "invalid_uuid"),
        ({"device_id": str(uuid.uuid4()).upper()}, "device_id", "invalid_uuid"),
        ({"phone": None}, "phone", "required"),
    ],
)
def test_bad_login_input_is_a_validation_error(client, body, field, code):
    full = {"phone": PHONE, "pin": "246810", "device_id": str(uuid.uuid4()), **body}
    response = client.post(LOGIN, json=full)
    assert response.status_code == 422
    assert code_of(response) == "validation_error"
    assert response.get_json()["error"]["details"]["fields"][field]["code"] == code


def test_five_wrong_pins_lock_the_phone_whatever_pin_is_sent(client, accounts):
    accounts.make(phone=PHONE)
    for spelling in ("081211112222", "6281211112222", PHONE, PHONE, PHONE):  # one phone, any spelling
        assert login(client, spelling, pin="000000").status_code == 401
    response = login(client, pin="246810")
    assert response.status_code == 429
    assert code_of(response) == "too_many_attempts"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert response.get_json()["error"]["details"]["retry_after"] == int(response.headers["Retry-After"])


def test_four_wrong_pins_do_not_lock(client, accounts):
    accounts.make(phone=PHONE)
    for _ in range(4):
        login(client, pin="000000")
    assert login(client).status_code == 200


def test_lockout_is_per_phone(client, accounts):
    accounts.make(phone=PHONE)
    other = accounts.make()
    for _ in range(5):
        login(client, pin="000000")
    assert login(client, other).status_code == 200


def test_lockout_ends_after_the_window(app, client, accounts):
    accounts.make(phone=PHONE)
    for _ in range(5):
        login(client, pin="000000")
    assert login(client).status_code == 429
    with app.app_context():
        db.session.execute(text("UPDATE login_attempts SET at = :at"), {"at": "2000-01-01 00:00:00"})
        db.session.commit()
    assert login(client).status_code == 200


def test_wrong_pins_from_one_address_are_limited(app, client, accounts):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        assert login(client, f"08129000000{n}", pin="000000").status_code == 401
    response = login(client, "081290000009", pin="000000")
    assert response.status_code == 429
    assert code_of(response) == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0


def test_past_the_address_limit_a_right_pin_does_not_log_in_either(app, client, accounts):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        login(client, f"08129000000{n}", pin="000000")
    phone = accounts.make()
    response = login(client, phone)
    assert response.status_code == 429 and code_of(response) == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0
    assert login(client, phone, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200


def test_address_limit_does_not_count_other_addresses(app, client, accounts):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        login(client, f"08129000000{n}", pin="000000")
    other = {"REMOTE_ADDR": "10.0.0.7"}
    assert login(client, "081290000009", pin="000000", environ_base=other).status_code == 401


def test_past_the_address_limit_no_pin_is_checked_nor_counted(app, client, accounts, argon2_calls):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    accounts.make(phone=PHONE)
    for n in range(3):
        login(client, f"08129000000{n}", pin="000000")
    argon2_calls.clear()
    for _ in range(5):
        assert login(client, pin="000000").status_code == 429
    assert argon2_calls == []  # the limit is checked before any PIN is hashed
    assert login(client, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200  # the phone is not locked


def test_a_wrong_pin_for_an_unknown_phone_costs_no_argon2_hash(app, client, monkeypatch, argon2_calls):
    with app.app_context():
        per_verify = pins.verify_seconds()  # measured once per process, with a hash and a verify
    argon2_calls.clear()
    slept = []
    monkeypatch.setattr(pins.time, "sleep", slept.append)
    for n in range(3):
        response = login(client, f"08129000000{n}", pin="000000")
        assert response.status_code == 401 and code_of(response) == "invalid_credentials"
    assert argon2_calls == []
    assert slept == [per_verify] * 3  # as long as a wrong PIN of a known phone takes, without the CPU


def test_retry_after_waits_until_the_window_holds_fewer_than_the_limit(app, client):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    with app.app_context():
        now = utcnow()
        for minutes_ago in (14, 10, 5, 5):
            db.session.add(
                LoginAttempt(phone="+6281290000001", address="127.0.0.1", at=now - timedelta(minutes=minutes_ago))
            )
        db.session.commit()
    response = login(client, "081290000009", pin="000000")
    assert response.status_code == 429
    # Two failures must age out; the later of them (10 minutes ago) does so in 5 minutes.
    assert 290 <= int(response.headers["Retry-After"]) <= 301


def test_refresh_gives_a_working_access_token(client, accounts):
    tokens = accounts.headers().tokens
    response = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    access = response.get_json()["access_token"]
    assert client.get(ME, headers=bearer(access)).status_code == 200


def test_the_role_comes_from_the_account_not_the_token(app, client, accounts):
    province = accounts.headers(regions=("32",))  # an admin of a kabupaten is made by one of its province
    tokens = accounts.headers(role="facilitator", regions=("32.04.10",)).tokens
    user_id = tokens["user"]["id"]
    patched = client.patch(f"/api/v1/users/{user_id}", json={"role": "admin", "regions": ["32.04"]}, headers=province)
    assert patched.status_code == 200, patched.get_json()
    facilitator = {"phone": "081233330000", "pin": "246810", "name": "Bu Baru", "role": "facilitator",
                   "regions": ["32.04.05"]}  # fmt: skip
    response = client.post("/api/v1/users", json=facilitator, headers=bearer(tokens["access_token"]))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        assert "role" not in decode_token(tokens["access_token"])


def test_an_access_token_cannot_refresh(client, accounts):
    tokens = accounts.headers().tokens
    response = client.post(REFRESH, headers=bearer(tokens["access_token"]))
    assert (response.status_code, code_of(response)) == (401, "invalid_token")


def test_a_refresh_token_is_not_an_access_token(client, accounts):
    tokens = accounts.headers().tokens
    response = client.get(ME, headers=bearer(tokens["refresh_token"]))
    assert (response.status_code, code_of(response)) == (401, "invalid_token")


def test_expired_token_is_refused(app, client, accounts):
    tokens = accounts.headers().tokens
    claims = payload_of(tokens["access_token"])
    with app.app_context():
        expired = create_access_token(
            identity=claims["sub"],
            additional_claims={"dev": claims["dev"]},
            expires_delta=timedelta(seconds=-1),
        )
    response = client.get(ME, headers={**bearer(expired), "Accept-Language": "en"})
    assert (response.status_code, code_of(response)) == (401, "token_expired")
    assert response.get_json()["error"]["message"] == "Your session has expired. Please log in again."


def test_expired_refresh_token_is_refused(app, client, accounts):
    claims = payload_of(accounts.headers().tokens["refresh_token"])
    with app.app_context():
        expired = create_refresh_token(
            identity=claims["sub"], additional_claims={"dev": claims["dev"]}, expires_delta=timedelta(seconds=-1)
        )
    response = client.post(REFRESH, headers=bearer(expired))
    assert (response.status_code, code_of(response)) == (401, "token_expired")


def test_tampered_signature_is_refused(client, accounts):
    token = accounts.headers().tokens["access_token"]
    head, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    response = client.get(ME, headers=bearer(f"{head}.{payload}.{flipped}"))
    assert (response.status_code, code_of(response)) == (401, "invalid_token")


def test_tampered_payload_is_refused(client, accounts):
    mine = accounts.headers(role="producer", regions=("32.04.10.2001",)).tokens["access_token"]
    admin_id = accounts.headers().user["id"]
    assert client.get(ME, headers=bearer(mine)).status_code == 200  # its signature is remembered as good
    head, payload, signature = mine.split(".")
    forged = b64(json.dumps({**payload_of(mine), "sub": admin_id, "role": "admin"}).encode())
    response = client.get(ME, headers=bearer(f"{head}.{forged}.{signature}"))
    assert (response.status_code, code_of(response)) == (401, "invalid_token")


def test_alg_none_is_refused(client, accounts):
    token = accounts.headers().tokens["access_token"]
    for alg in ("none", "None", "NONE"):
        head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        payload = b64(json.dumps(payload_of(token)).encode())
        response = client.get(ME, headers=bearer(f"{head}.{payload}."))
        assert (response.status_code, code_of(response)) == (401, "invalid_token")


@pytest.mark.parametrize("header", ["Bearer", "Bearer not.a.token", "Bearer abc", "Basic dXNlcjpwYXNz"])
def test_garbage_authorization_is_a_401(client, header):
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert code_of(response) in ("invalid_token", "unauthorized")


def test_token_of_a_deleted_account_is_refused(app, client, accounts):
    headers = accounts.headers()
    assert client.get(ME, headers=headers).status_code == 200  # its signature is remembered as good
    with app.app_context():
        db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": headers.user["id"]})
        db.session.commit()
    response = client.get(ME, headers=headers)
    assert response.status_code == 401


def test_a_token_that_worked_is_refused_once_it_expires(app, client, accounts):
    """A signature remembered as good stretches no token's life: each request checks its expiry afresh."""
    tokens = accounts.headers().tokens
    claims = payload_of(tokens["access_token"])
    with app.app_context():
        short = create_access_token(
            identity=claims["sub"], additional_claims={"dev": claims["dev"]}, expires_delta=timedelta(seconds=2)
        )
    assert client.get(ME, headers=bearer(short)).status_code == 200
    # The library reads the real clock: wait for the token's last second to pass.
    time.sleep(max(0.0, payload_of(short)["exp"] - time.time()) + 0.01)
    response = client.get(ME, headers=bearer(short))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"
