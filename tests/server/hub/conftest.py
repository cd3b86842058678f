"""A hub beside the regional server: its own app on its own SQLite file, as a kecamatan laptop runs it."""

import pytest
from flask_migrate import upgrade

from server import create_app
from server.cli.regions import import_regions
from server.extensions import db
from tests.conftest import base_config

KECAMATAN = "32.04.10"


class AppTransport:
    """The sync transport (sync/http.py's shape), calling another app through its Flask test client:
    the whole app runs, in this process."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def __call__(self, method, path, params=None, body=None):
        """One request; answers (status, JSON body)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.open(path, method=method, query_string=params, json=body, headers=headers)
        return response.status_code, response.get_json()


@pytest.fixture
def hub_app(tmp_path, app):
    """A hub of KECAMATAN whose upstream is `app` (the regional server, on the run's engine)."""
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    config = base_config(hub_dir, f"sqlite:///{hub_dir / 'hub.db'}")
    config.update(
        SECRET_KEY="hub-secret-" + "y" * 32,
        UPSTREAM_URL="http://regional.invalid",
        HUB_PHONE="+6281299990001",
        HUB_PIN="582047",
        SERVER_ID="hub",
    )
    application = create_app(config)
    with application.app_context():
        upgrade()
        import_regions(only=KECAMATAN)
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
