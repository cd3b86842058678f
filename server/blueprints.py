"""Every blueprint of the app, registered in one place."""

from . import auth, blobs, conflicts, curation, dashboards, devices, docs, pwa, readiness, regions, sync_api, users
from .consolidation import blp as consolidation_blp
from .exports import blp as exports_blp


def register(app, api):
    """Register the API blueprints (documented in OpenAPI) and the plain ones."""
    for module in (auth, users, devices, regions, sync_api, conflicts, blobs):
        api.register_blueprint(module.blp)
    api.register_blueprint(exports_blp)
    api.register_blueprint(consolidation_blp)
    for module in (curation, readiness, dashboards):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(pwa.bp)
