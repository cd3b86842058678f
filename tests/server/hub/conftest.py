"""A hub beside the regional server: its own app on its own SQLite file, as a kecamatan laptop runs it."""

import pytest
from flask_migrate import upgrade

from server import create_app
from server.cli.regions import import_regions
from server.extensions import db
from server.secrets_file import new_signing_key_pem
from tests.conftest import base_config

KECAMATAN = "32.04.10"
HUB_SIGNING_KEY = new_signing_key_pem()


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

    def stream(self, method, path, headers=None, body=None, sink=None):
        """One request with a file body or a 200 answer written to `sink`; answers (status, headers, JSON)."""
        headers = {name: value for name, value in (headers or {}).items() if name != "Content-Length"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = body.read() if body is not None else None
        response = self.client.open(path, method=method, data=data, headers=headers)
        answer_headers = {name.lower(): value for name, value in response.headers.items()}
        if sink is not None and response.status_code in (200, 206):
            sink.write(response.data)
            return response.status_code, answer_headers, None
        return response.status_code, answer_headers, response.get_json(silent=True)


@pytest.fixture
def hub_app(tmp_path, app):
    """A hub of KECAMATAN whose upstream is `app` (the regional server, on the run's engine)."""
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    yield from serving_hub(hub_dir, f"sqlite:///{hub_dir / 'hub.db'}")


def serving_hub(hub_dir, database_url, **settings):
    """A hub app of KECAMATAN on a database, migrated, with its regions; for a fixture to yield from."""
    config = base_config(hub_dir, database_url)
    config["JWT_PRIVATE_KEY"] = HUB_SIGNING_KEY  # its own key, as a hub has: not the region's
    config.update(
        SECRET_KEY="hub-secret-" + "y" * 32,  # its own: a cursor of the region means nothing here
        UPSTREAM_URL="http://regional.invalid",
        HUB_PHONE="+6281299990001",
        HUB_PIN="582047",
        SERVER_ID="hub",
    )
    config.update(settings)
    application = create_app(config)
    with application.app_context():
        upgrade()
        import_regions(only=KECAMATAN)
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
