"""A hub's status page (GET /api/v1/hub/status) and its "sync now" button (POST /api/v1/hub/sync-now)."""

from pathlib import Path

import pytest

from server.cli.hub import hub_cli
from server.engine import hub_state
from server.hub.relay import run_forever
from tests.conftest import Headers, empty_database
from tests.helpers import Device, new_id

from .conftest import KECAMATAN, serving_hub
from .test_relay import run_cycle, seed, upstream  # noqa: F401 - the fixture, for this module's hub_app

OTHER_KECAMATAN = "32.04.11"


@pytest.fixture
def hub_app(tmp_path, app):
    """A hub of KECAMATAN on a database of the run's engine, whose upstream is `app`."""
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    with empty_database(hub_dir, "hub") as url:
        yield from serving_hub(hub_dir, url, HUB_ADDRESS="http://lumbung-hub.local:8000/")


def at_the_hub(hub_app, accounts, upstream, role="facilitator", regions=(KECAMATAN + ".2001",)):  # noqa: F811
    """A phone of an account that signed in upstream once and now talks to the hub (after a cycle)."""
    phone_id = new_id()
    body = accounts.login(accounts.make(role=role, regions=regions), device_id=phone_id)
    run_cycle(hub_app, upstream)
    headers = Headers({"Authorization": "Bearer " + body["access_token"]})
    headers.user, headers.tokens = body["user"], body
    device = Device(hub_app.test_client(), headers)
    device.device_id = phone_id
    return device


def status(device):
    return device.client.get("/api/v1/hub/status", headers=device.headers)


def test_a_regional_server_has_no_hub_status_for_anyone(client, accounts):
    for headers in ({}, accounts.headers(role="facilitator", regions=(KECAMATAN + ".2001",))):
        for answer in (
            client.get("/api/v1/hub/status", headers=headers),
            client.post("/api/v1/hub/sync-now", headers=headers),
        ):
            assert answer.status_code == 404
            assert answer.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "regions", "expected"),
    [
        ("facilitator", (KECAMATAN + ".2001",), 200),  # a desa of the hub's kecamatan
        ("facilitator", (KECAMATAN,), 200),
        ("admin", ("32.04",), 200),  # covers the kecamatan
        ("admin", ("32",), 200),
        ("producer", (KECAMATAN + ".2001",), 403),
    ],
)
def test_facilitators_and_admins_of_the_kecamatan_see_the_status(hub_app, upstream, accounts, role, regions, expected):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream, role=role, regions=regions)
    assert status(device).status_code == expected
    answer = device.client.post("/api/v1/hub/sync-now", headers=device.headers)
    assert answer.status_code == (202 if expected == 200 else expected)


def test_an_account_of_another_kecamatan_is_not_known_at_the_hub(hub_app, upstream, accounts):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream, regions=(OTHER_KECAMATAN + ".2001",))
    assert status(device).status_code == 401
    assert hub_app.test_client().get("/api/v1/hub/status").status_code == 401


def test_the_status_tells_what_waits_who_synced_and_where_the_hub_is(hub_app, upstream, accounts):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream)
    seed(device, movements=2)  # four ops, applied at the hub, not yet relayed
    body = status(device).get_json()
    assert body["kecamatan"] == KECAMATAN
    assert body["waiting"] == 4
    assert body["reached_at"] and body["failed_at"] is None and body["last_error"] is None
    assert [(d["name"], d["role"]) for d in body["devices"]] == [(device.headers.user["name"], "facilitator")]
    assert body["address"] == "http://lumbung-hub.local:8000/"
    assert body["address_qr"]["size"] == 29 + 2 * 4  # version 3 and its quiet zone: the address fits
    assert body["address_qr"]["path"].startswith("M4 4h7v1h-7z")  # the finder pattern's top row
    run_cycle(hub_app, upstream)
    assert status(device).get_json()["waiting"] == 0


def test_the_hub_knows_its_kecamatan_however_its_phone_is_written(hub_app, upstream, accounts):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream)
    hub_app.config["HUB_PHONE"] = "0812-9999-0001"  # as an operator may type it in the environment
    assert status(device).get_json()["kecamatan"] == KECAMATAN


def test_the_hub_hands_out_its_authority_for_phones_to_install(hub_app, upstream, accounts, client):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream)
    anyone = hub_app.test_client()
    assert anyone.get("/api/v1/hub/ca.crt").status_code == 404  # no certificate made yet
    assert status(device).get_json()["authority"] is False
    assert hub_app.test_cli_runner().invoke(hub_cli, ["certificate", "lumbung-hub.test"]).exit_code == 0
    answer = anyone.get("/api/v1/hub/ca.crt")
    assert (answer.status_code, answer.mimetype) == (200, "application/x-x509-ca-cert")
    assert answer.data == (Path(hub_app.config["TLS_DIR"]) / "ca.crt").read_bytes()
    assert status(device).get_json()["authority"] is True
    assert client.get("/api/v1/hub/ca.crt").status_code == 404  # a regional server


def test_without_a_configured_address_the_qr_names_the_address_asked(hub_app, upstream, accounts):  # noqa: F811
    hub_app.config["HUB_ADDRESS"] = ""
    device = at_the_hub(hub_app, accounts, upstream)
    answer = device.client.get("/api/v1/hub/status", headers=device.headers, base_url="http://192.0.2.7:8000")
    assert answer.get_json()["address"] == "http://192.0.2.7:8000/"


def test_sync_now_ends_the_relays_wait_and_runs_a_cycle(hub_app, upstream, accounts):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream)
    seed(device, movements=1)
    slept = []

    def sleep(seconds):
        if not slept:  # the facilitator presses the button while the relay waits
            assert device.client.post("/api/v1/hub/sync-now", headers=device.headers).status_code == 202
        slept.append(seconds)

    with hub_app.app_context():
        run_forever(upstream, interval=3600, sleep=sleep, cycles=2)
    assert sum(slept) == 2 + 3600  # the first wait ended at its first look, 2 s in; the last ran its hour
    body = status(device).get_json()
    assert body["waiting"] == 0
    assert body["reached_at"] >= body["sync_requested_at"]


def test_a_failed_cycle_is_shown_with_its_reason(hub_app, upstream, accounts):  # noqa: F811
    device = at_the_hub(hub_app, accounts, upstream)
    upstream.pin = "000000"  # upstream refuses the hub's login
    upstream.transport.token = None
    with hub_app.app_context():
        run_forever(upstream, interval=1, sleep=lambda _: None, cycles=1)
        assert hub_state.recall("failed_at")
    body = status(device).get_json()
    assert body["failed_at"] > body["reached_at"]
    assert "401" in body["last_error"]
