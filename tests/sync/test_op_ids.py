"""Op ids (tests/vectors/op_ids.json): the rule in sync/ids.py, and the Python client's ops made by it."""

import json
import re
from pathlib import Path

import pytest
import sqlite_utils

from sync.client import Replica
from sync.ids import device_session_id, op_id_for

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "op_ids.json").read_text())
CASES = VECTORS["op_id"]
ENTITY_ID = "0190f000-0000-7000-8000-00000000000a"
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def assert_follows(case, op_ids):
    """Two ops made for the same case: both keyed by the entity's id, or both fresh and distinct."""
    if case["expect"] == "entity_id":
        assert op_ids == [ENTITY_ID, ENTITY_ID]
    else:
        assert case["expect"] == "fresh"
        assert all(UUID7.match(op_id) for op_id in op_ids)
        assert ENTITY_ID not in op_ids and op_ids[0] != op_ids[1]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_op_id_vector(case):
    given = case["input"]
    assert_follows(case, [op_id_for(given["entity"], ENTITY_ID, given["action"], given["resend"]) for _ in range(2)])


# The Python client never resends a rejected op (it has no forms to correct one in): the vector's
# resends are the PWA's (tests/pwa/op_ids.test.mjs); the rule above answers for them too.
MADE_BY_THE_CLIENT = [case for case in CASES if not case["input"]["resend"]]


@pytest.mark.parametrize("case", MADE_BY_THE_CLIENT, ids=[case["name"] for case in MADE_BY_THE_CLIENT])
def test_the_python_client_makes_its_ops_by_the_vector(case):
    given = case["input"]
    op_ids = []
    for _ in range(2):  # each on a device of its own: a movement's op id is unique in one outbox
        replica = Replica(sqlite_utils.Database(memory=True))
        if given["action"] == "upsert":
            op = replica.upsert(given["entity"], ENTITY_ID, {"name": "x"})
        else:
            op = replica.delete(given["entity"], ENTITY_ID)
        assert replica.pending() == [op]
        op_ids.append(op["op_id"])
    assert_follows(case, op_ids)


def test_a_device_a_hub_enrols_has_one_session_id_per_account_on_every_server():
    user, other_user, device = ENTITY_ID, "0190f000-0000-7000-8000-000000000001", "0190f000-0000-7000-8000-000000000002"
    # A fixed value: the hub and the regional server, of any version, name the session alike.
    assert device_session_id(other_user, device) == "43d2b515-4492-5987-84b3-202babf591a5"
    assert device_session_id(user, device) != device_session_id(other_user, device)
