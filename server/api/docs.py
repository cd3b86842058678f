"""A readable API page, rendered in the browser from /api/v1/openapi.json (no CDN)."""

from pathlib import Path

from flask import Blueprint, send_from_directory

bp = Blueprint("docs", __name__)
STATIC = Path(__file__).parents[1] / "static"

# The page's script and styles are files of this origin (server/static/api-docs.*), so the
# page allows nothing inline: an injected <script> would not run.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@bp.route("/api/v1/docs")
def api_docs():
    """Serve the API reference page."""
    response = send_from_directory(STATIC, "api-docs.html", max_age=300)
    response.headers["Content-Security-Policy"] = CSP
    return response
