"""A regional admin reviews from a phone too (issue 16, item 13): every admin screen at 360x640 and
at 1280x800 in Indonesian; a compact bulk bar, every nav item in view, plan lines whose quantity is
visible, a short readiness page, dates in the region's zone (WIB for Kab. Bandung) and never ISO
text, and a dashboard that does not count the admin's own device as "not synced"."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import flask, screenshot
from .screens import DEMO_ADMIN, make_plan, new_context

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def demo(server):
    flask(server.env, "demo", "--producers", "24", "--products", "72", "--movements", "1500")
    return server


def go(page, route, ready):
    page.evaluate("route => { location.hash = route; }", route)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")


def box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("size", ["360", "1280"])
def test_admin_screens_on_a_phone_and_a_desktop(browser, demo, size):
    demo.api(demo.admin)  # a device of another admin of Kab. Bandung, whose device this admin cannot manage
    plan = make_plan(demo.url)
    context = new_context(browser, "id", size)
    try:
        page = context.new_page()
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        page.goto(demo.url + "/")
        page.wait_for_selector("body[data-ready]")
        page.fill("#phone", DEMO_ADMIN)
        page.fill("#pin", "246810")
        page.click("#login button[type=submit]")
        page.wait_for_selector("#queue:not([aria-busy]) .qitem", timeout=90_000)

        # The bulk bar, sticky over the queue, covers under a quarter of the screen.
        bar = box(page, "section.bulk")
        assert bar["height"] < 0.25 * height, f"the bulk bar is {bar['height']} px of {height}"
        page.locator(".qitem input.pick").first.check()
        expect(page.locator("#selected-count")).to_have_text("1 dipilih")
        page.locator("#bulk-needs_changes").click()  # no note yet: the note opens, asked for
        expect(page.locator("#bulk-note")).to_be_focused()
        screenshot(page, f"admin-phone-review-{size}")

        # Every nav item is on the screen, none cut off at the edge.
        links = page.locator("#admin-nav a")
        expect(links).to_have_count(5)
        for i in range(5):
            link = links.nth(i).bounding_box()
            assert link["x"] >= 0 and link["x"] + link["width"] <= width, links.nth(i).text_content()
            assert link["y"] + link["height"] <= height

        # A plan's lines: the quantity to edit is on the screen, dates with the zone and no ISO text.
        go(page, f"#/admin/consolidation/{plan}", "#plan-lines")
        quantity = page.locator("#plan-lines input[id^=qty-]").first
        quantity.scroll_into_view_if_needed()
        expect(quantity).to_be_visible()
        field = quantity.bounding_box()
        assert field["x"] >= 0 and field["x"] + field["width"] <= width
        expect(page.locator("#plan-header")).to_contain_text("WIB")
        assert not ISO_DATE.search(page.inner_text("#main"))
        screenshot(page, f"admin-phone-plan-{size}")

        # Readiness: the region's state in a few screens, not tens of thousands of pixels.
        go(page, "#/admin/readiness", "#not-ready")
        tall = page.evaluate("() => document.documentElement.scrollHeight")
        assert tall < 5 * height, f"readiness is {tall} px"
        assert not ISO_DATE.search(page.inner_text("#main"))
        page.locator("#not-ready-more").click()
        screenshot(page, f"admin-phone-readiness-{size}")

        # Dashboards: this admin's own device and the peer admin's are no one to chase.
        go(page, "#/admin/dashboards", "[data-loaded]")
        freshness = page.locator("#freshness")
        expect(freshness).to_contain_text("Pendamping")
        assert "Admin Kab. Bandung" not in freshness.text_content()
        assert "Admin Bandung" not in freshness.text_content()
        assert "Admin" not in page.locator("#freshness .big-figures").text_content()
        assert not ISO_DATE.search(page.inner_text("#main"))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()
