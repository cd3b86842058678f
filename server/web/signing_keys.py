"""The key that signs tokens: this server's Ed25519 key pair, its kid, and public keys as JWKs.

Tokens are signed with EdDSA (Ed25519) by the regional server's private key; whoever holds the
public half (a hub, from GET /api/v1/keys) verifies them, and no secret ever leaves the server.
A token's header names its key with `kid`: for this server's key, the first 16 characters of the
key's RFC 7638 thumbprint, so the same key has the same kid on every restart and every machine.
"""

import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from flask import current_app
from jwt.algorithms import OKPAlgorithm
from jwt.exceptions import InvalidKeyError
from jwt.utils import base64url_encode

ALGORITHM = "EdDSA"
SIGNING_KEY = "lumbung.signing_key"  # where auth.init_app keeps the SigningKey, in app.extensions
KID_LENGTH = 16
# Without a configured key, development and tests sign with this one: its seed is public (like
# config.DEV_SECRET), and the app refuses to be served or run in production with it.
DEV_SEED = hashlib.sha256(b"lumbung development signing key").digest()


class BadKey(ValueError):
    """A key that is not an Ed25519 key of the expected kind."""


@dataclass(frozen=True)
class SigningKey:
    """A private key that signs tokens, its public half, and the kid that names it in token headers."""

    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    kid: str

    def jwk(self):
        """The public half as a JWK, as GET /api/v1/keys lists it."""
        return public_jwk(self.public, self.kid)


def signing_key(pem=None):
    """The signing key of a PEM (an Ed25519 private key, PKCS#8), or the development key without one."""
    if pem is None:
        private = Ed25519PrivateKey.from_private_bytes(DEV_SEED)
    else:
        try:
            private = load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
        except (ValueError, TypeError) as exc:
            raise BadKey("JWT_PRIVATE_KEY is not a private key in PEM without a password") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise BadKey("JWT_PRIVATE_KEY must be an Ed25519 key (openssl genpkey -algorithm ed25519)")
    public = private.public_key()
    return SigningKey(private=private, public=public, kid=thumbprint(public)[:KID_LENGTH])


def thumbprint(public):
    """The RFC 7638 thumbprint of an Ed25519 public key: base64url SHA-256 of its JWK's required members."""
    members = public_jwk_members(public)
    canonical = json.dumps({k: members[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True)
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()


def public_jwk_members(public):
    """An Ed25519 public key as the JWK of its required members: kty, crv and x."""
    return OKPAlgorithm.to_jwk(public, as_dict=True)


def public_jwk(public, kid):
    """An Ed25519 public key as a JWK that names its kid, algorithm and use."""
    return {**public_jwk_members(public), "kid": kid, "alg": ALGORITHM, "use": "sig"}


def jwk_public_key(jwk):
    """The Ed25519 public key of a JWK; BadKey when it is not one, or when it carries a private part."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise BadKey("not an Ed25519 JWK (kty OKP, crv Ed25519)")
    if "d" in jwk:
        raise BadKey("a private key: send only the public half")
    if not isinstance(jwk.get("x"), str) or len(jwk["x"]) != 43:
        raise BadKey("x must be the 32-byte public key in base64url")
    try:
        return OKPAlgorithm.from_jwk(jwk)
    except (InvalidKeyError, ValueError) as exc:
        raise BadKey("x is not an Ed25519 public key") from exc


def current_signing_key():
    """This app's SigningKey: its private key, public key and kid."""
    return current_app.extensions[SIGNING_KEY]
