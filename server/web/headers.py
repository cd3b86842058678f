"""Headers on every answer: nosniff, no-store where tokens travel, HSTS over HTTPS; and the proxy.

nosniff goes on every answer but JSON ones. A browser never renders or runs application/json
(it is no script, style or HTML type to it, and its blocking of cross-origin reads knows JSON
by its type); the API's answers are JSON and make most of a phone's syncs, where these 33 bytes
an answer are a tenth of an idle sync's answer headers.

Behind a reverse proxy that ends TLS, the app sees plain HTTP from the proxy's address. With
PROXY_FIX_HOPS set to the number of proxies in front, werkzeug's ProxyFix takes the client's
scheme, address, host and port from the X-Forwarded-* headers those proxies set. It is off by
default: without a proxy that overwrites them, a client could send these headers itself (and
pass for HTTPS, or for another address in the login limits).
"""

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

# A year; no includeSubDomains: other hosts of the domain are not ours to vouch for.
HSTS = "max-age=31536000"
TOKEN_PATHS = {"/api/v1/auth/login", "/api/v1/auth/refresh"}  # answers that carry tokens


def _add_headers(response):
    """nosniff but on JSON; no-store on token answers; HSTS when the request came over HTTPS."""
    if response.mimetype != "application/json":
        response.headers["X-Content-Type-Options"] = "nosniff"
    # The WSGI environ, read once: every attribute of `request` is a context lookup, and this
    # runs on every answer (an idle pull is half a millisecond). ProxyFix has set the scheme.
    environ = request.environ
    if environ["PATH_INFO"] in TOKEN_PATHS:
        response.headers["Cache-Control"] = "no-store"
    if environ["wsgi.url_scheme"] == "https":
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app):
    """Trust PROXY_FIX_HOPS proxies' X-Forwarded-* headers (0: none), and add the headers."""
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.after_request(_add_headers)
