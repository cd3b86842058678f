"""Every blueprint of the app, registered in one place."""

from .api import (
    auth,
    blobs,
    claim,
    conflicts,
    devices,
    docs,
    enrolment,
    hub,
    hub_status,
    keys,
    push_pull,
    pwa,
    regions,
    users,
)
from .workspace import curation, dashboards, exports
from .workspace.consolidation import views as consolidation
from .workspace.readiness import views as readiness


def register(app, api):
    """Register the API blueprints (documented in OpenAPI) and the plain ones."""
    for module in (auth, keys, users, devices, regions, push_pull, conflicts, blobs, hub, enrolment, hub_status, claim):
        api.register_blueprint(module.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(consolidation.blp)
    for module in (curation, readiness, dashboards):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(pwa.bp)
