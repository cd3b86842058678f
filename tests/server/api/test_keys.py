"""GET /api/v1/keys: the public keys tokens are signed with, as a JWKS anyone may read and cache."""

import jwt
from jwt import PyJWKSet

from server.web.signing_keys import signing_key
from tests.conftest import TEST_SIGNING_KEY

KEYS = "/api/v1/keys"


def test_keys_answer_a_jwks_of_the_servers_ed25519_key_without_a_token(client):
    response = client.get(KEYS)
    assert response.status_code == 200
    (key,) = response.get_json()["keys"]
    assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert key["kid"] == signing_key(TEST_SIGNING_KEY).kid
    assert "d" not in key  # the public half only


def test_keys_may_be_cached(client):
    response = client.get(KEYS)
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Content-Type"] == "application/json"


def test_the_jwks_verifies_a_token_just_issued(client, accounts):
    """What a hub does: fetch the keys once, then verify tokens offline by their kid."""
    token = accounts.headers().tokens["access_token"]
    keys = PyJWKSet.from_dict(client.get(KEYS).get_json())
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid], algorithms=["EdDSA"])
    assert "type" not in claims and claims["sub"]  # without a type, an access token


def test_the_jwks_verifies_refresh_tokens_too(client, accounts):
    token = accounts.headers().tokens["refresh_token"]
    keys = PyJWKSet.from_dict(client.get(KEYS).get_json())
    claims = jwt.decode(token, keys[jwt.get_unverified_header(token)["kid"]], algorithms=["EdDSA"])
    assert claims["type"] == "refresh"
