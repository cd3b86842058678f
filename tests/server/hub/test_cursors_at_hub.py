"""A pull cursor holds only on the server that issued it, hub or region, whatever secrets they share."""

import pytest

from server.hub.relay import Upstream, cycle
from tests.conftest import Headers
from tests.helpers import new_id

from .conftest import KECAMATAN, AppTransport, serving_hub

SHARED = "the-same-cursor-secret-" + "z" * 32


@pytest.fixture
def region_app(app):
    """The regional server with the cursor secret an operator then copied to the hub."""
    app.config["CURSOR_SECRET_KEY"] = SHARED
    return app


@pytest.fixture
def hub_with_copied_secrets(tmp_path, region_app):
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    yield from serving_hub(hub_dir, f"sqlite:///{hub_dir / 'hub.db'}", CURSOR_SECRET_KEY=SHARED)


def test_a_regions_cursor_at_a_hub_with_the_same_secret_is_invalid_so_the_phone_pulls_again_once(
    region_app, hub_with_copied_secrets, accounts
):
    hub = hub_with_copied_secrets
    accounts.make(role="hub", regions=(KECAMATAN,), phone=hub.config["HUB_PHONE"], pin=hub.config["HUB_PIN"])
    upstream = Upstream(
        "", hub.config["HUB_PHONE"], hub.config["HUB_PIN"], new_id(), transport=AppTransport(region_app)
    )
    body = accounts.login(accounts.make(role="facilitator", regions=(KECAMATAN,)))
    with hub.app_context():
        cycle(upstream)
    headers = Headers({"Authorization": "Bearer " + body["access_token"]})
    at_region = region_app.test_client().get("/api/v1/sync/pull", headers=headers).get_json()
    at_hub = hub.test_client().get("/api/v1/sync/pull", query_string={"cursor": at_region["cursor"]}, headers=headers)
    assert at_hub.status_code == 400 and at_hub.get_json()["error"]["code"] == "invalid_cursor"
    again = hub.test_client().get("/api/v1/sync/pull", headers=headers).get_json()
    back = region_app.test_client().get("/api/v1/sync/pull", query_string={"cursor": again["cursor"]}, headers=headers)
    assert back.status_code == 400 and back.get_json()["error"]["code"] == "invalid_cursor"
