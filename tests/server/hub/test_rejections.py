"""An op a hub applied and upstream rejected: its author's devices learn it from the hub, and the
hub's copy returns to upstream's state of its record."""

import pytest
import sqlite_utils

from server.engine.models import Producer
from server.extensions import db
from sync.client import Replica
from tests.helpers import new_id, producer_fields

from .conftest import AppTransport
from .test_relay import DESA, hub_device, run_cycle
from .test_relay import upstream as upstream  # a fixture

ELSEWHERE = "32.04.09"  # the neighbouring kecamatan


@pytest.fixture
def admin(client, accounts):
    return accounts.headers(role="admin", regions=("32.04",))


def move(client, admin, user_id, kecamatan):
    """Upstream, an admin assigns the account to another kecamatan."""
    answer = client.patch(f"/api/v1/users/{user_id}", json={"regions": [kecamatan]}, headers=admin)
    assert answer.status_code == 200, answer.get_json()


def pull(device, cursor):
    """One pull at the hub with a given cursor; answers the JSON body."""
    params = {"cursor": cursor} if cursor else {}
    answer = device.client.get("/api/v1/sync/pull", query_string=params, headers=device.headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def held_at(app, producer_id):
    with app.app_context():
        row = db.session.get(Producer, producer_id)
        return None if row is None else (row.name, row.deleted)


@pytest.fixture
def moved_out(hub_app, upstream, accounts, client, admin):
    """A facilitator's phone at the hub, with a producer both servers hold, whose account upstream
    then moved to another kecamatan; the hub has not heard."""
    device = hub_device(hub_app, accounts, upstream)
    producer_id = new_id()
    device.push(device.op("producer", producer_id, producer_fields(village_code=DESA, name="Bu Sari")))
    run_cycle(hub_app, upstream)
    device.pull_all()
    move(client, admin, device.headers.user["id"], ELSEWHERE)
    return device, producer_id


def test_a_rejection_upstream_reaches_the_device_in_its_next_pull_until_a_cursor_says_it_has_it(
    hub_app, upstream, moved_out
):
    device, producer_id = moved_out
    edit = device.op("producer", producer_id, {"name": "Bu Sari Rahayu"})
    assert device.statuses(edit) == ["applied"]
    report = run_cycle(hub_app, upstream)
    assert report.rejected == 1

    before = device.cursor
    first = pull(device, before)
    assert first["rejected"] == [
        {
            "op_id": edit["op_id"],
            "entity": "producer",
            "entity_id": producer_id,
            "action": "upsert",
            "fields": {"name": "Bu Sari Rahayu"},
            "hlc": edit["hlc"],
            "error": first["rejected"][0]["error"],
        }
    ]
    assert first["rejected"][0]["error"]["code"] == "forbidden"
    assert pull(device, before)["rejected"] == first["rejected"]  # the answer was lost: again
    after = pull(device, first["cursor"])
    assert "rejected" not in after  # the device holds them
    assert "rejected" not in pull(device, after["cursor"])


def test_the_hubs_copy_of_a_record_a_rejected_op_edited_returns_to_upstreams(hub_app, upstream, moved_out, app):
    device, producer_id = moved_out
    device.push(device.op("producer", producer_id, {"name": "Bu Sari Rahayu"}))
    assert held_at(hub_app, producer_id) == ("Bu Sari Rahayu", False)
    run_cycle(hub_app, upstream)
    assert held_at(hub_app, producer_id) == held_at(app, producer_id) == ("Bu Sari", False)
    pulled = {c["entity_id"]: c for c in device.pull_all()}
    assert pulled[producer_id]["data"]["name"] == "Bu Sari"  # the hub's devices follow


def test_a_record_a_rejected_op_made_leaves_the_hubs_copy(hub_app, upstream, moved_out, app):
    device, _ = moved_out
    made = new_id()
    device.push(device.op("producer", made, producer_fields(village_code=DESA)))
    run_cycle(hub_app, upstream)
    assert held_at(app, made) is None
    assert held_at(hub_app, made)[1] is True
    pulled = {c["entity_id"]: c for c in device.pull_all()}
    assert pulled[made]["action"] == "delete"


def test_a_pull_at_a_hub_with_nothing_rejected_carries_no_rejected_key(hub_app, upstream, accounts):
    device = hub_device(hub_app, accounts, upstream)
    device.pull_all()
    assert "rejected" not in pull(device, device.cursor)


def test_an_account_is_given_only_its_own_rejections(hub_app, upstream, moved_out, accounts):
    device, producer_id = moved_out
    device.push(device.op("producer", producer_id, {"name": "Bu Sari Rahayu"}))
    other = hub_device(hub_app, accounts, upstream)
    other.pull_all()
    run_cycle(hub_app, upstream)
    assert "rejected" not in pull(other, other.cursor)
    assert len(pull(device, device.cursor)["rejected"]) == 1


def test_a_devices_first_pull_starts_after_its_accounts_past_rejections(hub_app, upstream, moved_out):
    device, producer_id = moved_out
    device.push(device.op("producer", producer_id, {"name": "Bu Sari Rahayu"}))
    run_cycle(hub_app, upstream)
    assert len(pull(device, device.cursor)["rejected"]) == 1
    first = pull(device, None)  # a new phone of the account, or one that dropped its cursor
    assert "rejected" not in first
    assert "rejected" not in pull(device, first["cursor"])


def test_the_python_client_keeps_a_pulled_rejection_once_in_its_outbox(hub_app, upstream, moved_out):
    device, producer_id = moved_out
    transport = AppTransport(hub_app)
    transport.token = device.headers.tokens["access_token"]
    phone = Replica(sqlite_utils.Database(memory=True), device_id=device.device_id, transport=transport)
    phone.sync()
    op = phone.upsert("producer", producer_id, {"name": "Bu Sari Rahayu"})
    phone.sync()
    assert phone.rejected() == []  # the hub applied it
    run_cycle(hub_app, upstream)

    phone.sync()
    phone.sync()
    [rejected] = phone.rejected()
    assert (rejected["op_id"], rejected["fields"], rejected["error"]["code"]) == (
        op["op_id"],
        {"name": "Bu Sari Rahayu"},
        "forbidden",
    )
    assert phone.records("producer")[("producer", producer_id)]["name"] == "Bu Sari"  # upstream's, via the hub
