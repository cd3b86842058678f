"""An app update while offline work is pending: the new version waits for the person, never
reloads mid-entry, and once taken loses nothing."""

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone

FACILITATOR = "081200000001"
VILLAGE = "32.04.10.2001"


def test_an_update_while_work_is_pending_loses_nothing(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    server.stop()
    server.start(version_tag="v1")
    context = phone_context()
    phone = Phone(context, server.url).open()
    phone.login(FACILITATOR)
    phone.wait_for_service_worker()
    phone.go("#/sync")
    expect(phone.page.locator("#app-version")).to_have_text(_ends_with("-v1"))

    phone.offline()
    phone.go("#/producers")
    phone.add_producer("Pak Ujang", VILLAGE)
    phone.add_product("Cengkeh Kering")
    phone.record("Panen", "40")
    assert phone.unsent() == 3

    # A new version is deployed while the phone is away; the person is typing a new record.
    server.stop()
    server.start(version_tag="v2")
    context.route("**/api/v1/sync/push", lambda route: route.abort("connectionrefused"))  # still pending after
    phone.page.click("text=Catat stok")
    phone.page.locator("#amount").fill("7")
    phone.offline(False)
    banner = phone.page.locator("#update-banner")
    expect(banner).to_have_text("Versi baru tersedia — muat ulang", timeout=60_000)
    screenshot(phone.page, "11-update-ready")
    expect(phone.page.locator("#amount")).to_have_value("7")  # never reloaded under the person's thumb
    assert phone.unsent() == 3

    banner.click()  # the person chooses to reload
    phone.wait_until("document.querySelector('meta[name=lumbung-version]').content.endsWith('-v2')")
    phone.page.wait_for_selector("body[data-ready]")
    assert phone.unsent() == 3
    phone.go("#/sync")
    expect(phone.page.locator("#app-version")).to_have_text(_ends_with("-v2"))
    old_caches = phone.page.evaluate("caches.keys()")
    assert len(old_caches) == 1 and old_caches[0].endswith("-v2"), old_caches  # only its own old cache went

    context.unroute("**/api/v1/sync/push")
    phone.page.click("#sync-now")
    phone.wait_unsent(0)
    state = server.state(server.admin)
    assert [p["name"] for p in state["producer"].values()] == ["Pak Ujang"]
    assert [p["name"] for p in state["product"].values()] == ["Cengkeh Kering"]
    assert [m["qty"] for m in state["stock_movement"].values()] == ["40"]


def _ends_with(suffix):
    import re

    return re.compile(".*" + re.escape(suffix) + "$")
