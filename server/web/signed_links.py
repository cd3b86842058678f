"""Signed, expiring photo links: what marketplace exports put in their image columns.

A marketplace fetches a product's photos from the URLs in an upload sheet or feed, without an
account. Such a link names the photo and when it stops working, and carries an HMAC over both:

    /api/v1/blobs/<sha256>?exp=<unix seconds>&sig=<hex HMAC-SHA256(SECRET_KEY, "<sha256>.<exp>")>

GET answers the photo to anyone who holds a valid, unexpired link (`size=thumb` works too: the
signature covers the photo, not the size), and 403 `link_invalid` or `link_expired` otherwise.
Links last EXPORT_LINK_DAYS (7) days from the export that wrote them; changing SECRET_KEY
invalidates every link at once. Nothing is stored: a link is checked from its own text.
"""

import functools
import hashlib
import hmac
import time

from flask import current_app, g, request
from flask_jwt_extended import jwt_required

from .errors import ApiError

SIG_LENGTH = 64


def link_expiry(now=None):
    """The unix time at which links made now stop working."""
    days = current_app.config.get("EXPORT_LINK_DAYS", 7)
    return int(now if now is not None else time.time()) + int(days) * 86400


def signature(sha256, exp):
    """The hex HMAC-SHA256 of a photo name and an expiry, under the app's SECRET_KEY."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{sha256}.{int(exp)}".encode(), hashlib.sha256).hexdigest()


class LinkSigner:
    """Makes absolute signed links for one export: one expiry, one base URL."""

    def __init__(self, base_url, exp=None):
        self.prefix = base_url.rstrip("/") + "/api/v1/blobs/"
        self.exp = link_expiry() if exp is None else int(exp)
        self.key = current_app.config["SECRET_KEY"].encode()

    def url(self, sha256):
        sig = hmac.new(self.key, f"{sha256}.{self.exp}".encode(), hashlib.sha256).hexdigest()
        return f"{self.prefix}{sha256}?exp={self.exp}&sig={sig}"


def is_signed_request():
    """Whether a request carries a link signature (then it is judged by the signature alone)."""
    return "sig" in request.args or "exp" in request.args


def check_signed_request(sha256):
    """403 unless the request's exp and sig sign this photo and exp lies in the future."""
    exp_text, sig = request.args.get("exp", ""), request.args.get("sig", "")
    if not exp_text.isdigit() or len(exp_text) > 12 or len(sig) != SIG_LENGTH:
        raise ApiError(403, "link_invalid")
    if not hmac.compare_digest(signature(sha256, int(exp_text)), sig.lower()):
        raise ApiError(403, "link_invalid")
    if int(exp_text) <= time.time():
        raise ApiError(403, "link_expired", {"expired_at": int(exp_text)})


def jwt_unless_signed(view):
    """A view decorator: a signed link is judged by its signature alone, any other request needs a token."""
    protected = jwt_required()(view)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not is_signed_request():
            return protected(*args, **kwargs)
        check_signed_request(kwargs["sha256"])
        g.signed_link = True
        return view(*args, **kwargs)

    return wrapper


def signed_link_request():
    """Whether the current request was let in by a valid signed link."""
    return bool(g.get("signed_link"))
