"""The admin's other screens render from the API, in Indonesian and English: dashboards (SVG bar
charts with their figures as a table), export readiness (rules, region summary, products not
ready) and marketplace exports (a download fetched with the Bearer header, named by the server)."""

import re
from pathlib import Path

from playwright.sync_api import expect

from .admin import Admin, Device, approve

FACILITATOR = "081200000001"
MARGAASIH, SANGKANHURIP = "32.04.10.2001", "32.04.11.2001"


def test_admin_dashboards_readiness_and_exports(server, desktop_context):
    server.user("facilitator", FACILITATOR, ["32.04.10", "32.04.11"], "Bu Sari")
    device = Device(server, FACILITATOR)
    coffee = device.product(device.producer("Pak Asep", MARGAASIH), "Kopi Margaasih", "400")
    pepper = device.product(device.producer("Bu Imas", SANGKANHURIP), "Lada Katapang", "80", category="spices")
    device.product(device.producer("Pak Dadang", SANGKANHURIP), "Gula Aren", "12", category="processed_food")
    approve(server, [coffee, pepper])

    admin = Admin(desktop_context(), server.url).login(server.admin)
    page = admin.page
    admin.go("#/admin/dashboards")
    expect(page.locator("h1")).to_have_text("Dasbor")
    category = page.locator("#chart-stock-category")
    expect(category.locator("figcaption")).to_have_text("Stok per kategori (kg)")
    expect(category.locator("svg rect")).to_have_count(3)
    expect(category.locator("svg")).to_have_attribute("aria-label", re.compile(r"Kopi 400 kg"))
    expect(category.locator("details table")).to_contain_text("Rempah")
    expect(page.locator("#chart-stock-kecamatan svg rect")).to_have_count(2)
    expect(page.locator("#chart-stock-kecamatan svg")).to_have_attribute("aria-label", re.compile("Margaasih 400 kg"))
    expect(page.locator("#chart-status svg")).to_have_attribute("aria-label", re.compile("Disetujui 2"))
    expect(page.locator("#chart-growth svg rect")).to_have_count(24)
    expect(page.locator("#freshness")).to_contain_text("Pendamping")
    expect(page.locator("#conflicts")).to_be_visible()
    admin.screenshots("admin-20-dashboards")

    admin.english()
    expect(page.locator("h1")).to_have_text("Dashboards")
    expect(page.locator("#chart-stock-category figcaption")).to_have_text("Stock by category (kg)")
    expect(page.locator("#chart-stock-category svg")).to_have_attribute("aria-label", re.compile("Coffee 400 kg"))
    admin.screenshots("admin-21-dashboards-en")

    # Export readiness: the rules are data; the region's summary; what the approved products lack.
    admin.go("#/admin/readiness")
    expect(page.locator("h1")).to_have_text("Export readiness")
    expect(page.locator("#rules-table")).to_contain_text("Coffee")
    expect(page.locator("#documents-table")).to_contain_text("Who can help")
    expect(page.locator("#readiness-summary .big-figures")).to_contain_text("2")
    expect(page.locator("#not-ready")).to_contain_text("Kopi Margaasih")
    admin.screenshots("admin-22-readiness-en")
    admin.indonesian()
    expect(page.locator("h1")).to_have_text("Kesiapan ekspor")
    expect(page.locator("#rules-table")).to_contain_text("Kopi")

    # Exports: the file comes with the Bearer header and the server's name for it.
    admin.go("#/admin/exports")
    expect(page.locator("h1")).to_have_text("Ekspor ke marketplace")
    with page.expect_download() as download:
        page.get_by_role("button", name="Shopee (CSV)").click()
    name = download.value.suggested_filename
    assert name.endswith(".csv") and name != "products.csv", name
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Kopi Margaasih" in text and "Lada Katapang" in text and "Gula Aren" not in text
    expect(page.locator("#export-status")).to_contain_text(f"Terunduh: {name}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Feed JSON (schema.org)").click()
    assert download.value.suggested_filename.endswith(".json")
    admin.screenshots("admin-23-exports")
    assert admin.errors == []
