"""The Python client's recent-first first sync, against the real server (the Flask app)."""

from datetime import UTC, datetime

import pytest
import sqlite_utils

from sync.client import Replica, TransportError, recent_since
from tests.helpers import Device, movement_fields, new_id
from tests.server.api.test_sync_recent_first import OLD, SINCE, seed, server_movement_ids, server_stock

NOW = int(datetime(2026, 11, 30, 9, 30, tzinfo=UTC).timestamp() * 1000)  # 90 days after SINCE


@pytest.fixture
def facilitator(client, accounts):
    """A device of a facilitator of Kec. Margaasih (32.04.10), where the seeded producer is."""
    return Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))


def transport_of(device):
    """A transport that calls the app through its test client, as a device signed in there."""

    def call(method, path, params=None, body=None):
        response = device.client.open(path, method=method, query_string=params, json=body, headers=device.headers)
        return response.status_code, response.get_json()

    return call


def phone_of(facilitator):
    device = Device(facilitator.client, facilitator.headers)
    return Replica(sqlite_utils.Database(memory=True), transport=transport_of(device), now=lambda: NOW, recent_days=90)


def held_movements(replica):
    return {rid: data for (_, rid), data in replica.records("stock_movement").items()}


def test_since_is_the_start_of_the_day_90_days_back():
    assert recent_since(NOW, 90) == SINCE


def test_a_first_sync_holds_recent_movements_and_shows_exact_stock(facilitator):
    products = seed(facilitator)
    phone = phone_of(facilitator)
    phone.pull()
    assert {m["occurred_at"] for m in held_movements(phone).values()} == {"2026-11-27T08:15:00Z"}
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)
    assert not any(phone.older_loaded(p) for p in products)
    assert phone.meta("since") is None and phone.meta("as_of") == SINCE


def test_older_history_on_demand_replaces_the_opening(facilitator):
    products = seed(facilitator)
    phone = phone_of(facilitator)
    phone.pull()
    assert phone.load_older(products[1]) == 4
    assert phone.older_loaded(products[1]) and phone.opening(products[1]) == 0
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)


def first_synced_then_back_dated(facilitator):
    """A phone after its first sync, and a movement of the first product back-dated after it."""
    products = seed(facilitator)
    phone = phone_of(facilitator)
    phone.pull()
    facilitator.push(facilitator.op("stock_movement", new_id(), movement_fields(products[0], "7", occurred_at=OLD)))
    return products, phone


def test_a_back_dated_movement_after_the_first_sync_is_counted_once(facilitator):
    products, phone = first_synced_then_back_dated(facilitator)
    phone.pull()
    assert phone.older_loaded(products[0]) and not phone.older_loaded(products[2])
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)
    for product_id in products:
        phone.load_older(product_id)
    assert set(held_movements(phone)) == server_movement_ids(facilitator)
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)


def test_older_history_that_failed_to_come_is_fetched_by_the_next_pull(facilitator):
    products, phone = first_synced_then_back_dated(facilitator)
    transport = phone.transport

    def no_history(method, path, params=None, body=None):
        if path.endswith("/history"):
            raise TransportError("the signal went")
        return transport(method, path, params, body)

    phone.transport = no_history
    with pytest.raises(TransportError):
        phone.pull()
    assert not phone.older_loaded(products[0])
    phone.transport = transport
    phone.pull()
    assert phone.older_loaded(products[0])
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)


def test_a_replica_without_recent_days_pulls_everything(facilitator):
    products = seed(facilitator)
    device = Device(facilitator.client, facilitator.headers)
    phone = Replica(sqlite_utils.Database(memory=True), transport=transport_of(device), now=lambda: NOW)
    phone.pull()
    assert set(held_movements(phone)) == server_movement_ids(facilitator)
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)
