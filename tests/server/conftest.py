"""Fixtures for the API tests: devices of a facilitator, a producer and an admin."""

import pytest

from tests.helpers import VILLAGE, Device


@pytest.fixture
def facilitator(client, accounts):
    """A device of a facilitator assigned to Kec. Margaasih (32.04.10)."""
    return Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))


@pytest.fixture
def admin(client, accounts):
    """A device of the admin of Kab. Bandung (32.04)."""
    return Device(client, accounts.headers(role="admin", regions=("32.04",)))


@pytest.fixture
def outsider(client, accounts):
    """A device of a facilitator of Kota Bandung (32.73): sees none of Kab. Bandung."""
    return Device(client, accounts.headers(role="facilitator", regions=("32.73.01",)))


@pytest.fixture
def producer_account(client, accounts):
    """A device of a producer account (phone +6281299990000) in VILLAGE."""
    phone = accounts.make(role="producer", regions=(VILLAGE,), phone="+6281299990000")
    body = accounts.login(phone)
    from tests.conftest import Headers

    headers = Headers({"Authorization": "Bearer " + body["access_token"]})
    headers.user = body["user"]
    return Device(client, headers)


@pytest.fixture
def fresh_world(app):
    """A function that empties every table but the regions, for tests that loop over examples."""
    from sqlalchemy import text

    from server.extensions import db
    from tests.conftest import KEEP_TABLES

    def reset():
        with app.app_context():
            tables = [t for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
            with db.engine.begin() as conn:
                for table in reversed(tables):
                    conn.execute(table.delete())
                conn.execute(text("INSERT INTO sync_state (id, seq, hlc) VALUES (1, 0, '')"))

    return reset
