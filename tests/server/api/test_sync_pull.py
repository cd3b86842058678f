"""Pull: each changed record once, in its current state, page by page, never skipping one."""

import gzip
import json

from server import create_app
from server.extensions import db
from sync.cursor import encode_cursor
from tests.conftest import base_config
from tests.helpers import movement_fields, new_id, producer_fields, product_fields


def seed(device, movements=5):
    producer_id, product_id = new_id(), new_id()
    ops = [
        device.op("producer", producer_id, producer_fields()),
        device.op("product", product_id, product_fields(producer_id)),
    ]
    ops += [device.op("stock_movement", new_id(), movement_fields(product_id, "1")) for _ in range(movements)]
    device.push(*ops)
    return producer_id, product_id


def pull(device, **params):
    response = device.client.get("/api/v1/sync/pull", query_string=params, headers=device.headers)
    return response


def test_a_first_pull_gets_everything_in_scope(facilitator):
    seed(facilitator, movements=3)
    changes = facilitator.pull_all()
    assert [c["entity"] for c in changes] == ["producer", "product"] + ["stock_movement"] * 3
    assert all(c["action"] == "upsert" for c in changes)


def test_a_record_changed_many_times_comes_once_in_its_current_state(facilitator):
    _, product_id = seed(facilitator, movements=0)
    facilitator.pull_all()
    facilitator.push(*[facilitator.op("product", product_id, {"price_idr": p}) for p in (1000, 2000, 3000)])
    changes = facilitator.pull_all()
    assert [(c["entity"], c["data"]["price_idr"]) for c in changes] == [("product", 3000)]


def test_pages_follow_the_cursor_until_more_is_false(facilitator):
    seed(facilitator, movements=25)
    first = pull(facilitator, limit=10).get_json()
    assert len(first["changes"]) == 10 and first["more"] is True
    facilitator.cursor = first["cursor"]
    rest = facilitator.pull_all(limit=10)
    ids = [c["entity_id"] for c in first["changes"] + rest]
    assert len(ids) == 27 == len(set(ids))


def test_a_page_with_more_names_the_next_page_in_a_link_header(facilitator):
    seed(facilitator, movements=5)
    first = pull(facilitator, limit=3)
    assert first.get_json()["more"] is True
    target, _, rel = first.headers["Link"].partition(";")
    assert rel.strip() == 'rel="next"'
    following = facilitator.client.get(target.strip()[1:-1], headers=facilitator.headers)
    by_cursor = pull(facilitator, limit=3, cursor=first.get_json()["cursor"])
    assert following.get_json()["changes"] == by_cursor.get_json()["changes"]
    last = pull(facilitator, limit=5000, cursor=first.get_json()["cursor"])
    assert last.get_json()["more"] is False and "Link" not in last.headers


def test_each_page_holds_the_oldest_changes_of_every_kind_up_to_the_limit(facilitator):
    written = []  # ids in the order the server wrote them
    for _ in range(4):
        producer_id, product_id = new_id(), new_id()
        movements = [new_id() for _ in range(3)]
        facilitator.push(
            facilitator.op("producer", producer_id, producer_fields()),
            facilitator.op("product", product_id, product_fields(producer_id)),
            *[facilitator.op("stock_movement", m, movement_fields(product_id, "1")) for m in movements],
        )
        written += [producer_id, product_id, *movements]
    pages, cursor = [], None
    while True:
        answer = pull(facilitator, limit=7, **({"cursor": cursor} if cursor else {})).get_json()
        pages.append({c["entity_id"] for c in answer["changes"]})
        cursor = answer["cursor"]
        if not answer["more"]:
            break
    assert pages == [set(written[i : i + 7]) for i in range(0, 20, 7)]


def test_a_deletion_reaches_devices_that_had_the_record(facilitator, admin):
    producer_id, _ = seed(facilitator, movements=0)
    admin.pull_all()
    facilitator.push(facilitator.op("producer", producer_id, action="delete"))
    changes = admin.pull_all()
    assert changes == [{"entity": "producer", "entity_id": producer_id, "action": "delete"}]


def test_an_idle_pull_answers_nothing_and_the_same_position(facilitator):
    seed(facilitator)
    facilitator.pull_all()
    body = pull(facilitator, cursor=facilitator.cursor).get_json()
    assert body["changes"] == [] and body["more"] is False and body["reset"] is False
    assert body["cursor"] == facilitator.cursor
    assert body["hlc"].endswith(":server")


def test_a_change_after_a_cursor_is_found_from_that_cursor(facilitator):
    seed(facilitator)
    facilitator.pull_all()
    cursor = facilitator.cursor
    _, product_id = seed(facilitator, movements=0)
    changes = facilitator.pull_all()
    assert product_id in {c["entity_id"] for c in changes}
    assert pull(facilitator, cursor=cursor).get_json()["changes"] == changes


def test_answers_are_gzipped_when_asked(facilitator):
    seed(facilitator, movements=50)
    response = facilitator.client.get("/api/v1/sync/pull", headers={**facilitator.headers, "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.data))["changes"]) == 52


def gzip_pull(device, **params):
    """A pull as a phone asks for it, gzip accepted; answers (the response, the JSON's bytes)."""
    headers = {**device.headers, "Accept-Encoding": "gzip"}
    response = device.client.get("/api/v1/sync/pull", query_string=params, headers=headers)
    gzipped = response.headers.get("Content-Encoding") == "gzip"
    return response, gzip.decompress(response.data) if gzipped else response.data


def test_a_small_answer_is_gzipped_when_that_saves_more_than_the_headers_it_adds(facilitator):
    _, product_id = seed(facilitator, movements=0)
    facilitator.pull_all()
    facilitator.push(facilitator.op("stock_movement", new_id(), movement_fields(product_id, "1")))
    response, text = gzip_pull(facilitator, cursor=facilitator.cursor)
    assert len(text) < 600 and response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) + len("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n") < len(text)
    facilitator.pull_all()
    idle, text = gzip_pull(facilitator, cursor=facilitator.cursor)  # nothing new: a few dozen bytes
    assert "Content-Encoding" not in idle.headers and json.loads(text)["changes"] == []


def test_a_forged_cursor_is_400_invalid_cursor(facilitator):
    seed(facilitator)
    facilitator.pull_all()
    forged = facilitator.cursor[:-3] + ("AAA" if not facilitator.cursor.endswith("AAA") else "BBB")
    response = pull(facilitator, cursor=forged)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_cursor"
    assert pull(facilitator, cursor="not-a-cursor").status_code == 400


def test_a_cursor_from_another_account_is_400(facilitator, admin):
    facilitator.pull_all()
    response = pull(admin, cursor=facilitator.cursor)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_a_limit_out_of_range_is_400(facilitator):
    for limit in ("0", "5001", "ten", "-1"):
        response = pull(facilitator, limit=limit)
        assert response.status_code == 400, limit
        assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_limit_5000_is_allowed(facilitator):
    assert pull(facilitator, limit=5000).status_code == 200


def test_a_scope_change_answers_reset_and_everything_again(facilitator, admin, client):
    seed(facilitator)
    facilitator.pull_all()
    user_id = facilitator.headers.user["id"]
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"regions": ["32.04.10", "32.04.11"]}, headers=admin.headers
    )
    assert response.status_code == 200, response.get_json()
    body = pull(facilitator, cursor=facilitator.cursor).get_json()
    assert body["reset"] is True
    assert len(body["changes"]) == 7


def test_movement_data_is_exact_text(facilitator):
    _, product_id = seed(facilitator, movements=0)
    facilitator.push(facilitator.op("stock_movement", new_id(), movement_fields(product_id, "0.125")))
    movement = facilitator.pull_all()[-1]["data"]
    assert movement["qty"] == "0.125"
    assert movement["occurred_at"] == "2026-11-27T08:15:00Z"


def test_movement_times_and_notes_come_back_as_sent(facilitator):
    _, product_id = seed(facilitator, movements=0)
    sent = [
        ("2026-11-27T08:15:00Z", None),
        ("2026-11-27T08:15:00.250Z", 'panen "kedua", 50\\50 — baik\n'),
        ("2026-11-27T08:15:01.007Z", ""),
    ]
    facilitator.push(
        *[
            facilitator.op("stock_movement", new_id(), movement_fields(product_id, occurred_at=at, note=note))
            for at, note in sent
        ]
    )
    movements = [c["data"] for c in facilitator.pull_all() if c["entity"] == "stock_movement"]
    assert [(m["occurred_at"], m["note"]) for m in movements] == [(at, note and note.strip()) for at, note in sent]


def test_pulled_records_say_who_entered_them(facilitator, producer_account):
    seed(facilitator, movements=1)
    author = facilitator.headers.user
    for change in facilitator.pull_all():
        assert (change["data"]["created_by"], change["data"]["created_by_name"]) == (author["id"], author["name"])


def test_who_entered_a_record_may_be_sent_back_unchanged(facilitator):
    producer_id, _ = seed(facilitator, movements=0)
    data = facilitator.state()[("producer", producer_id)]
    edit = facilitator.op("producer", producer_id, {**data, "name": "Bu Ani"})
    assert facilitator.statuses(edit) == ["applied"]


def test_a_cursor_signed_with_jwt_secret_key_still_pulls(facilitator, app, tmp_path, monkeypatch):
    # Cursors were signed with JWT_SECRET_KEY: a deploy that has it keeps every phone's cursor valid.
    old_secret = "old-jwt-secret-" + "j" * 32
    seed(facilitator)
    cursor = encode_cursor(old_secret.encode(), facilitator.headers.user["id"], 1, 0)
    assert pull(facilitator, cursor=cursor).status_code == 400  # this app signs with SECRET_KEY
    monkeypatch.setenv("JWT_SECRET_KEY", old_secret)
    upgraded = create_app(base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]))
    try:
        response = upgraded.test_client().get(
            "/api/v1/sync/pull", query_string={"cursor": cursor}, headers=facilitator.headers
        )
        assert response.status_code == 200, response.get_json()
        assert len(response.get_json()["changes"]) == 7 and response.get_json()["reset"] is False
    finally:
        with upgraded.app_context():
            db.engine.dispose()
