"""The public keys tokens are signed with, as a JWKS: a hub verifies tokens with them, offline."""

from flask import jsonify
from marshmallow import fields

from ..web.json_body import Blueprint
from ..web.openapi import error_answers
from ..web.schemas import BaseSchema
from ..web.signing_keys import current_signing_key

blp = Blueprint("keys", __name__, url_prefix="/api/v1/keys", description="Token signing keys")
# A key changes rarely, and a verifier that meets an unknown kid asks again.
CACHE_CONTROL = "public, max-age=3600"


class JwkSchema(BaseSchema):
    kty = fields.String(required=True, metadata={"enum": ["OKP"]})
    crv = fields.String(required=True, metadata={"enum": ["Ed25519"]})
    x = fields.String(required=True, metadata={"description": "The public key, base64url."})
    kid = fields.String(required=True, metadata={"description": "The `kid` header of the tokens it verifies."})
    alg = fields.String(required=True, metadata={"enum": ["EdDSA"]})
    use = fields.String(required=True, metadata={"enum": ["sig"]})


class JwksSchema(BaseSchema):
    keys = fields.List(fields.Nested(JwkSchema), required=True)


@blp.route("", methods=["GET"])
@error_answers(blp, public=True)
@blp.response(200, JwksSchema)
def list_keys():
    """The public keys this server's tokens may be signed with (a JWK Set, RFC 7517); no token needed."""
    response = jsonify({"keys": [current_signing_key().jwk()]})
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
