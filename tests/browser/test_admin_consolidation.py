"""An admin plans a load (in English): proposes a plan for coffee in Kab. Bandung with a 1,000 kg
truck, sees its lines by kecamatan then desa with the capacity fill, is told (in English) when an
edit asks for more than the stock, lowers one line and removes another, opens the printable
manifest and downloads its CSV (both fetched with the Bearer header), and ships it after a
confirmation: stock on hand drops by exactly the shipped quantities."""

import re
from pathlib import Path

from playwright.sync_api import expect

from .admin import Admin, Device, approve, stock_on_hand

FACILITATOR = "081200000001"
MARGAASIH, LAGADAR, SANGKANHURIP = "32.04.10.2001", "32.04.10.2002", "32.04.11.2001"


def test_admin_proposes_edits_and_ships_a_load(server, desktop_context):
    server.user("facilitator", FACILITATOR, ["32.04.10", "32.04.11"], "Bu Sari")
    device = Device(server, FACILITATOR)
    products = [
        device.product(device.producer("Pak Asep", MARGAASIH), "Kopi Margaasih", "400"),
        device.product(device.producer("Bu Euis", LAGADAR), "Kopi Lagadar", "300"),
        device.product(device.producer("Pak Dadang", SANGKANHURIP), "Kopi Katapang", "500"),
        device.product(device.producer("Bu Imas", SANGKANHURIP), "Lada Katapang", "80", category="spices"),
    ]
    api = approve(server, products)

    admin = Admin(desktop_context(), server.url).login(server.admin)
    page = admin.page
    admin.english()
    admin.go("#/admin/consolidation")
    expect(page.locator("h1")).to_have_text("Load consolidation")
    form = page.locator("#propose-form")
    expect(form.get_by_label("Capacity (kg)")).to_have_value("3,000")
    form.get_by_label("Category", exact=True).select_option("coffee")
    form.get_by_label("Region", exact=True).select_option("32.04")
    form.get_by_label("Capacity (kg)").fill("1000")
    form.get_by_label("Port").fill("Tanjung Priok (Jakarta)")
    admin.screenshots("admin-10-consolidation-propose-en")
    form.get_by_role("button", name="Propose").click()

    # Margaasih holds the most coffee: its two desa first, then Katapang's lot is split to fit.
    page.wait_for_url(re.compile(r"#/admin/consolidation/[0-9a-f-]{36}$"))
    plan_id = page.url.rsplit("/", 1)[1]
    lines = page.locator("#plan-lines")
    expect(page.locator("#plan-status")).to_have_text("Draft")
    expect(page.locator("#plan-fill")).to_contain_text("1,000 of 1,000 kg filled (100.0%)")
    groups = lines.locator("tr.group th:first-child")
    expect(groups).to_have_text(["Kec. Margaasih", "Kec. Katapang", "Total"])
    expect(lines.locator("tr.subgroup")).to_have_count(3)
    expect(page.get_by_label("Quantity of Kopi Katapang")).to_have_value("300")
    admin.screenshots("admin-11-consolidation-plan-en")

    # More than the stock: the server says so, in English, and nothing changes.
    page.get_by_label("Quantity of Kopi Katapang").fill("600")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#plan-message [role=alert]")).to_have_text(re.compile("more than the stock available"))
    expect(page.locator("#plan-message")).to_contain_text("Kopi Katapang")

    # Lower one line, remove another.
    page.get_by_label("Quantity of Kopi Katapang").fill("200")
    page.get_by_role("button", name="Remove the line Kopi Lagadar").click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#plan-fill")).to_contain_text("600 of 1,000 kg filled (60.0%)")
    expect(page.locator("#plan-total")).to_have_text("600 kg")
    expect(lines.locator("tbody tr[id^=line-]")).to_have_count(2)

    # The manifest (HTML, for print) and its CSV, both fetched with the Bearer header.
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Open the manifest (print)").click()
    manifest = opened.value
    manifest.wait_for_load_state()
    expect(manifest.locator("body")).to_contain_text(plan_id)
    expect(manifest.locator("body")).to_contain_text("Kopi Katapang")
    assert manifest.url.startswith("blob:")
    manifest.close()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the manifest CSV").click()
    assert download.value.suggested_filename == f"manifest-{plan_id}.csv"
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Kopi Margaasih" in csv_text and "Kopi Lagadar" not in csv_text

    # Ship, after a confirmation: stock drops by exactly the plan's lines.
    before = stock_on_hand(server, api)
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Mark as shipped").click()
    expect(page.locator("#plan-status")).to_have_text("Shipped")
    assert "600" in dialogs[0]
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    after = stock_on_hand(server, api)
    assert before == {"Kopi Margaasih": "400", "Kopi Lagadar": "300", "Kopi Katapang": "500", "Lada Katapang": "80"}
    assert after == {"Kopi Margaasih": "0", "Kopi Lagadar": "300", "Kopi Katapang": "300", "Lada Katapang": "80"}
    admin.screenshots("admin-12-consolidation-shipped-en")

    # The plan list, in Indonesian.
    admin.indonesian()
    admin.go("#/admin/consolidation")
    expect(page.locator("#plans")).to_contain_text("Dikirim")
    assert admin.errors == []
