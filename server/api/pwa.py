"""The field app (pwa/dist, built by `npm run build`), served at `/` beside the API.

Cache rules: `/` and `/sw.js` are revalidated on every load (no-cache, with ETags), so a new
version is seen as soon as the phone is online; `/assets/*` are named by their content hash and
cached for a year; the manifest and icons for a day. The files are read once per process, the
app version written into them, and gzipped ahead of time. Every page answer carries a Content
Security Policy that allows this origin only: nothing loads from anywhere else.

The app version is the build's content hash, plus PWA_VERSION_TAG when set (a deploy that
changes nothing but the tag still makes phones install a new service worker; the browser tests
use it to play an update).
"""

import gzip
import hashlib
import os
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from ..web.errors import ApiError

bp = Blueprint("pwa", __name__)

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "pwa" / "dist"
VERSION_PLACEHOLDER = b"__LUMBUNG_VERSION__"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
ONE_DAY = "public, max-age=86400"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_loaded = {}  # (dist folder, tag) -> {url path: (bytes, gzipped bytes, etag, mimetype)}


def _setting(name, default=None):
    return current_app.config.get(name) or os.environ.get(name) or default


def _files():
    """The built files, read once per process, keyed by URL path."""
    dist = Path(_setting("PWA_DIST", DEFAULT_DIST))
    tag = _setting("PWA_VERSION_TAG", "")
    key = (str(dist), tag)
    if key not in _loaded:
        _loaded[key] = _read_dist(dist, tag)
    return _loaded[key]


def _read_dist(dist, tag):
    if not (dist / "index.html").is_file():
        return None
    version = (dist / "version.txt").read_text().strip() + (f"-{tag}" if tag else "")
    files = {}
    for path in sorted(p for p in dist.rglob("*") if p.is_file() and p.name != "version.txt"):
        data = path.read_bytes().replace(VERSION_PLACEHOLDER, version.encode())
        url = "/" + path.relative_to(dist).as_posix()
        etag = hashlib.sha256(data).hexdigest()[:20]
        files[url] = (data, gzip.compress(data, compresslevel=9, mtime=0), etag, TYPES.get(path.suffix))
    files["/"] = files.pop("/index.html")
    return files


def _serve(url, cache_control, headers=None):
    files = _files()
    if files is None:
        raise ApiError(503, "service_unavailable", {"reason": "the PWA is not built: run scripts/setup"})
    if url not in files or files[url][3] is None:
        raise ApiError(404, "not_found")
    data, zipped, etag, mimetype = files[url]
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    response = Response(zipped if use_gzip else data, content_type=mimetype)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag + ("-gz" if use_gzip else ""))
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.update(headers or {})
    return response.make_conditional(request)


@bp.route("/")
def index():
    """The app shell: the login screen, its styles inline, and the deferred app script."""
    return _serve("/", NO_CACHE, {"Content-Security-Policy": CSP, "Referrer-Policy": "same-origin"})


@bp.route("/sw.js")
def service_worker():
    """The service worker: always revalidated, allowed to control the whole origin."""
    return _serve("/sw.js", NO_CACHE, {"Service-Worker-Allowed": "/"})


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest."""
    return _serve("/manifest.webmanifest", ONE_DAY)


@bp.route("/assets/<name>")
def asset(name):
    """Scripts and styles named by their content hash: cached for a year."""
    return _serve(f"/assets/{name}", IMMUTABLE)


@bp.route("/icons/<name>")
def icon(name):
    """The app's icons."""
    return _serve(f"/icons/{name}", ONE_DAY)
