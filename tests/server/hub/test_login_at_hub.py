"""Signing in at a hub: the regional server checks the PIN; the hub keeps none and serves the region's tokens."""

import pytest
from sqlalchemy import func, select

from server.api.upstream_login import TRANSPORT
from server.engine import sync_now
from server.engine.models import LoginAttempt, User
from server.extensions import db
from server.hub.relay import Upstream, cycle
from tests.helpers import new_id

from .conftest import KECAMATAN, AppTransport

PIN = "246810"


@pytest.fixture
def upstream(app, hub_app, accounts):
    """The regional server as the hub's relay calls it, and as the hub's login reaches it."""
    accounts.make(role="hub", regions=(KECAMATAN,), phone=hub_app.config["HUB_PHONE"], pin=hub_app.config["HUB_PIN"])
    hub_app.extensions[TRANSPORT] = AppTransport(app)
    return Upstream("", hub_app.config["HUB_PHONE"], hub_app.config["HUB_PIN"], new_id(), transport=AppTransport(app))


def login(hub_app, phone, pin=PIN, **headers):
    return hub_app.test_client().post(
        "/api/v1/auth/login", json={"phone": phone, "pin": pin, "device_id": new_id()}, headers=headers
    )


def test_a_phone_signs_in_at_the_hub_with_its_pin_checked_upstream_and_then_syncs_there(hub_app, upstream, accounts):
    phone = accounts.make(role="facilitator", regions=(KECAMATAN,))
    with hub_app.app_context():
        cycle(upstream)
    answer = login(hub_app, phone)
    assert answer.status_code == 200, answer.get_json()
    token = answer.get_json()["access_token"]
    pulled = hub_app.test_client().get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}"})
    assert pulled.status_code == 200
    with hub_app.app_context():
        assert {row.pin_hash for row in db.session.query(User)} == {"!"}


def test_a_wrong_pin_is_refused_and_counted_at_the_hub_too(hub_app, upstream, accounts):
    phone = accounts.make(role="facilitator", regions=(KECAMATAN,))
    answer = login(hub_app, phone, pin="135792", **{"Accept-Language": "en"})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "invalid_credentials"
    assert answer.get_json()["error"]["message"] == "Wrong phone number or PIN."
    with hub_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 1


def test_an_account_made_upstream_since_the_last_cycle_asks_the_relay_for_a_cycle(hub_app, upstream, accounts):
    with hub_app.app_context():
        cycle(upstream)
    phone = accounts.make(role="facilitator", regions=(KECAMATAN,))
    assert login(hub_app, phone).status_code == 200
    with hub_app.app_context():
        assert sync_now.last_request() is not None


def test_without_internet_the_phone_is_told_to_ask_for_a_code_in_its_language(hub_app, accounts):
    phone = accounts.make(role="facilitator", regions=(KECAMATAN,))
    answer = login(hub_app, phone)  # upstream is http://regional.invalid: nothing answers
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    error = answer.get_json()["error"]
    assert error["code"] == "upstream_unreachable" and "kode dari pendamping" in error["message"]
    with hub_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
