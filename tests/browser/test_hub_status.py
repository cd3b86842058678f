"""The hub's status page at the kecamatan office: a facilitator's phone sees what waits to go up,
which phones synced and when, and "Sinkron sekarang" wakes the hub's relay (its own process) at once.

A regional server, a hub and the hub's relay (`flask hub run`, waiting an hour between cycles) run
as processes. The hub holds no PIN: the phone's login goes to the regional server (routed there
by the browser, as a phone that signed in upstream once), then it syncs at the hub.
"""

import subprocess

import pytest
import requests
from playwright.sync_api import expect

from tests.server.hub.processes import DESA_A, KEC_A, Hub, Region, kill_group
from tests.server.live_server import running_server

from .conftest import ROOT, VENV_BIN, browser_contexts, screenshot
from .phone import Phone

LIVE_FACILITATOR = "081200000001"  # tests/server/live_server.py's facilitator of Kec. Margaasih, "Live"


@pytest.fixture
def contexts(browser):
    yield from browser_contexts(browser, viewport={"width": 360, "height": 640}, locale="id-ID")


@pytest.fixture
def hub(tmp_path, pwa_built):
    """A regional server, a hub of Kec. Margaasih through one cycle, and its relay waiting an hour."""
    with running_server(tmp_path) as live:
        region = Region(live)
        served = Hub(tmp_path, "hub", KEC_A, region)
        served.start()
        served.relay()
        relay = subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "server", "hub", "run", "--interval", "3600"],
            cwd=ROOT,
            env=served.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        served.region = region
        yield served
        kill_group(relay)
        served.close()
        region.admin.close()


def login_upstream(route, region_url):
    """Send the phone's login to the regional server, as if it signed in there once."""
    sent = route.request
    answer = requests.post(region_url + "/api/v1/auth/login", data=sent.post_data, headers=sent.headers, timeout=30)
    route.fulfill(status=answer.status_code, body=answer.content, headers={"Content-Type": "application/json"})


def test_the_facilitator_sees_the_hub_and_syncs_it_now(contexts, hub):
    context = contexts()
    context.route("**/api/v1/auth/login", lambda route: login_upstream(route, hub.region.live.url))
    phone = Phone(context, hub.url).open()
    phone.login(LIVE_FACILITATOR)
    phone.add_producer("Pak Ujang", DESA_A)
    phone.wait_unsent(0)  # at the hub, not yet upstream
    page = phone.page
    page.get_by_role("link", name="Hub").click()
    expect(page.get_by_role("heading", name="Status hub")).to_be_visible()
    expect(page.locator("#hub-waiting")).to_have_text("1")
    expect(page.locator("#hub-reached")).to_have_text("baru saja")  # the cycle the hub ran at start
    expect(page.locator("#hub-devices")).to_contain_text("Live · Pendamping")
    expect(page.locator("#hub-address")).to_have_text(hub.url + "/")
    expect(page.locator("svg.qr path")).to_have_count(1)

    page.get_by_role("button", name="Sinkron sekarang").click()
    expect(page.locator("#hub-sync-feedback")).to_have_text("Sinkron selesai.", timeout=30_000)
    expect(page.locator("#hub-waiting")).to_have_text("0")
    assert hub.waiting_ops() == []
    screenshot(page, "hub-status-360")
    page.locator("#hub-address").scroll_into_view_if_needed()
    screenshot(page, "hub-status-qr-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
