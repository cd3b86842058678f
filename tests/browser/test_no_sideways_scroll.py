"""No screen of the field app or of the admin scrolls sideways on a 360 px phone, in either language."""

import pytest

from .conftest import flask
from .screens import make_plan, scroll_width, walk


@pytest.fixture
def demo(server):
    """The server with a small demo (Kab. Bandung): a facilitator, producers, products, an admin."""
    flask(server.env, "demo", "--producers", "24", "--products", "72", "--movements", "1500")
    return server


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_screen_scrolls_sideways_at_360(browser, demo, lang):
    plan = make_plan(demo.url)
    wide = []

    def seen(name, page):
        width = scroll_width(page)
        if width > 360:
            wide.append(f"{name} ({width} px)")

    for role in ("producer", "facilitator", "admin"):
        walk(browser, demo.url, role, lang, "360", lambda name, page, role=role: seen(f"{role}:{name}", page), plan)
    assert wide == [], f"these screens scroll sideways at 360 px ({lang}): {', '.join(wide)}"
