"""A hub serves a recent-first first sync from its copy, as the regional server does."""

from tests.helpers import movement_fields, new_id, producer_fields, product_fields
from tests.server.api.test_sync_recent_first import OLD, RECENT, RecentFirstPhone, server_movement_ids, server_stock

from . import test_relay as relay
from .test_relay import DESA, hub_device, run_cycle

# The relay tests' fixtures: pytest finds fixtures by name in the module.
upstream, regional_device = relay.upstream, relay.regional_device


def seed(device):
    """A product with two movements before SINCE and one after; answers its id."""
    producer_id, product_id = new_id(), new_id()
    ops = [
        device.op("producer", producer_id, producer_fields(village_code=DESA)),
        device.op("product", product_id, product_fields(producer_id)),
        device.op("stock_movement", new_id(), movement_fields(product_id, "10", occurred_at=OLD)),
        device.op("stock_movement", new_id(), movement_fields(product_id, "2.5", occurred_at=OLD)),
        device.op("stock_movement", new_id(), movement_fields(product_id, "-4", "sale", occurred_at=RECENT)),
    ]
    assert set(device.statuses(*ops)) == {"applied"}
    return product_id


def test_a_phone_at_the_hub_gets_recent_movements_openings_and_older_history(
    hub_app,
    upstream,
    regional_device,
    accounts,
):
    product_id = seed(regional_device)
    at_the_hub = hub_device(hub_app, accounts, upstream)
    phone = RecentFirstPhone(at_the_hub)
    phone.first_sync()
    assert len(phone.movements) == 1
    assert phone.stock(product_id) == server_stock(regional_device)[product_id] == 8.5
    # Back-dated at the region after the phone's first sync: it reaches the phone through the hub.
    regional_device.push(
        regional_device.op("stock_movement", new_id(), movement_fields(product_id, "1", occurred_at=OLD))
    )
    run_cycle(hub_app, upstream)
    phone.pull()
    phone.load_older(product_id)
    assert phone.stock(product_id) == server_stock(regional_device)[product_id] == 9.5
    assert set(phone.movements) | set(phone.older) == server_movement_ids(regional_device)
