"""A readable API page, rendered in the browser from /api/v1/openapi.json (no CDN)."""

from flask import Blueprint, send_from_directory

bp = Blueprint("docs", __name__)


@bp.route("/api/v1/docs")
def api_docs():
    """Serve the API reference page."""
    return send_from_directory(bp.root_path + "/static", "api-docs.html", max_age=300)
