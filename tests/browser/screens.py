"""Every screen of the field app and of the admin, walked in a browser: shared by scripts/screens
(which saves a PNG of each) and by the browser test that no screen scrolls sideways.

A walk logs in as one account in one language at one viewport and calls `seen(name, page)` on
each screen once it is drawn. It needs demo data on the server (`flask demo`): a facilitator
with producers and products, a producer with its record, and an admin over Kab. Bandung.
"""

import time
import uuid
from datetime import date, timedelta

import requests

DEMO_PIN = "246810"
DEMO_ADMIN = "+6281200000001"
DEMO_FACILITATOR = "+6281200000011"
DEMO_PRODUCER = "+6281200000021"
VIEWPORTS = {"360": {"width": 360, "height": 640}, "1280": {"width": 1280, "height": 800}}
LANG_KEY = "lumbung.lang"
READY = "body[data-ready]"


def new_context(browser, lang, viewport):
    """A browser context in the language (the app's own choice, kept in localStorage) at a size."""
    size = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport=size, device_scale_factor=1, is_mobile=viewport == "360", locale="id-ID" if lang == "id" else "en-GB"
    )
    context.set_default_timeout(60_000)
    context.add_init_script(f"localStorage.setItem({LANG_KEY!r}, {lang!r})")
    return context


def make_plan(url, phone=DEMO_ADMIN, pin=DEMO_PIN, region="32.04"):
    """A draft consolidation plan, so that a plan screen exists: a coffee plan made when there is none."""
    session = requests.Session()
    login = session.post(f"{url}/api/v1/auth/login", json={"phone": phone, "pin": pin, "device_id": str(uuid.uuid4())})
    login.raise_for_status()
    session.headers["Authorization"] = "Bearer " + login.json()["access_token"]
    drafts = [p for p in session.get(f"{url}/api/v1/consolidations").json() if p["status"] == "draft"]
    if drafts:  # a plan holds its stock: a second one of the same products would be refused
        return drafts[0]["id"]
    body = {"region": region, "category": "coffee", "capacity_kg": "3000", "port": "Tanjung Priok (Jakarta)",
            "date": (date.today() + timedelta(days=7)).isoformat()}  # fmt: skip
    answer = session.post(f"{url}/api/v1/consolidations", json=body)
    answer.raise_for_status()
    return answer.json()["id"]


def _until(page, expression, timeout=180):
    """Poll a function until it answers true (wait_for_function evaluates strings: the CSP forbids it)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.2)


def _settle(page):
    """Until the screen is drawn: no busy main, fonts and images settled."""
    page.wait_for_selector("#main:not([aria-busy])")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready")


def _go(page, route):
    page.evaluate("route => { location.hash = route; }", route)
    page.wait_for_timeout(300)  # the hashchange, then the screen's first requests
    _settle(page)


def _login(page, url, phone, ready_selector):
    page.goto(url + "/")
    page.wait_for_selector(READY)
    page.fill("#phone", phone)
    page.fill("#pin", DEMO_PIN)
    page.click("#login button[type=submit]")
    page.wait_for_selector(ready_selector, timeout=180_000)


def walk_field(page, url, role, seen):
    """The field app as a producer or a facilitator: login, a producer's home, lists, a product, its
    forms, sync, inbox."""
    page.goto(url + "/")
    page.wait_for_selector(READY)
    _settle(page)
    seen("login", page)
    _login(page, url, DEMO_FACILITATOR if role == "facilitator" else DEMO_PRODUCER, "#unsent-count")
    _until(page, "() => Boolean(window.lumbung && window.lumbung.lastSync)")
    if role == "facilitator":
        _go(page, "#/producers")
        seen("producers", page)
        _go(page, "#/producers/new")
        seen("producer-form", page)
        _go(page, "#/producers")
        page.locator("button.row").first.click()
    else:
        _go(page, "#/home")  # where a producer starts
        seen("home", page)
    _go(page, "#/products")
    seen("products", page)
    rows = page.locator('a.row[href^="#/products/"]')
    if rows.count():  # a producer of the demo may have no product yet
        product = rows.first.get_attribute("href")
        _go(page, product)
        seen("product", page)
        _go(page, product + "/edit")
        seen("product-edit", page)
        _go(page, product + "/stock")
        seen("stock-form", page)
    _go(page, "#/products/new")
    seen("product-new", page)
    _go(page, "#/sync")
    seen("sync", page)
    _go(page, "#/fix")
    seen("fix", page)


def walk_admin(page, url, seen, plan_id=None, phone=DEMO_ADMIN):
    """Every admin screen: review queue, a product, readiness, dashboards, consolidation, a plan, exports."""
    _login(page, url, phone, "#admin-nav")
    _go(page, "#/admin/review")
    page.wait_for_selector("#queue:not([aria-busy])")
    seen("admin-review", page)
    product = page.locator('#queue a[href^="#/admin/products/"]').first.get_attribute("href")
    if product:
        _go(page, product)
        seen("admin-product", page)
    _go(page, "#/admin/readiness")
    page.wait_for_selector("#readiness-summary")
    seen("admin-readiness", page)
    _go(page, "#/admin/dashboards")
    page.wait_for_selector("[data-loaded]")
    seen("admin-dashboards", page)
    _go(page, "#/admin/consolidation")
    seen("admin-consolidation", page)
    if plan_id:
        _go(page, f"#/admin/consolidation/{plan_id}")
        page.wait_for_selector("#plan-lines")
        seen("admin-plan", page)
    _go(page, "#/admin/exports")
    seen("admin-exports", page)


def walk(browser, url, role, lang, viewport, seen, plan_id=None):
    """One account's screens in one language at one size; the context is closed afterwards."""
    context = new_context(browser, lang, viewport)
    try:
        page = context.new_page()
        if role == "admin":
            walk_admin(page, url, seen, plan_id)
        else:
            walk_field(page, url, role, seen)
    finally:
        context.close()


def scroll_width(page):
    """How wide the page is: more than the viewport means it scrolls sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth")
