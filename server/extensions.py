"""The Flask extensions, created once and bound in create_app."""

import time

from flask_jwt_extended import JWTManager, view_decorators
from flask_jwt_extended.utils import get_unverified_jwt_headers
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from jwt import ExpiredSignatureError
from sqlalchemy import MetaData

from .web.openapi import LumbungApi

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CachingJWTManager(JWTManager):
    """flask-jwt-extended, verifying each token's signature once per worker process.

    A phone sends the same access token with every request for an hour, and decoding it three
    times over (as the library does) costs more than the rest of an idle pull. The claims of a
    token that verified are kept; expiry is still checked on every use, and whether the device
    is revoked is read from the database on every request (server/auth.py).
    """

    MAX_TOKENS = 20_000
    _verified = {}
    _headers = {}  # and their headers (_cached_headers)

    def _decode_jwt_from_config(self, encoded_token, csrf_value=None, allow_expired=False):
        claims = self._verified.get(encoded_token)
        if claims is None or allow_expired:
            claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
            if not allow_expired:
                if len(self._verified) >= self.MAX_TOKENS:
                    self._verified.clear()
                    self._headers.clear()
                self._verified[encoded_token] = claims
            return claims
        if claims["exp"] <= time.time():
            del self._verified[encoded_token]
            self._headers.pop(encoded_token, None)
            error = ExpiredSignatureError("Signature has expired")
            error.jwt_header, error.jwt_data = {"alg": "HS256", "typ": "JWT"}, claims
            raise error
        return claims


def _cached_headers(encoded_token):
    """The header of a token whose claims verified before; the library decodes it apart on every request."""
    header = CachingJWTManager._headers.get(encoded_token)
    if header is None:
        header = get_unverified_jwt_headers(encoded_token)
        if encoded_token in CachingJWTManager._verified:
            CachingJWTManager._headers[encoded_token] = header
    return header


# The decorator looks the function up in its own module: point it at the cached one.
view_decorators.get_unverified_jwt_headers = _cached_headers

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
jwt = CachingJWTManager()
api = LumbungApi()
