"""Curation: the review queue, decisions through the apply path, their history, produk unggulan."""

import pytest

from tests.helpers import OTHER_VILLAGE, VILLAGE, Device, new_id
from tests.server.workspace_helpers import (
    OTHER_DESA,
    OTHER_KECAMATAN,
    add_producer,
    add_product,
    assert_error,
    decide,
    get,
)

PHOTO = "a" * 64


@pytest.fixture
def other_admin(client, accounts):
    """The admin of Kota Bandung (32.73): none of Kab. Bandung is its."""
    return Device(client, accounts.headers(role="admin", regions=("32.73",)))


@pytest.fixture
def producer_id(facilitator):
    return add_producer(facilitator, phone="081234567890")


def queue(client, admin, **params):
    return get(client, admin.headers, "/api/v1/review-queue", **params)


# -- the queue -----------------------------------------------------------------------------------


def test_the_queue_shows_submitted_products_with_producer_village_stock_and_readiness(
    client, admin, facilitator, producer_id
):
    product_id = add_product(facilitator, producer_id, stock="12.5", photos=[PHOTO], hs_code="0901.11.10")
    add_product(facilitator, producer_id, status="draft")
    [item] = queue(client, admin)["items"]
    assert item["id"] == product_id
    assert item["photos"] == [PHOTO]
    assert item["stock_on_hand"] == "12.5"
    assert item["producer"] == {"id": producer_id, "name": "Pak Budi", "kind": "individual", "phone": "+6281234567890"}
    assert item["village"] == {"code": VILLAGE, "name": "Margaasih"}
    assert item["kecamatan"] == {"code": "32.04.10", "name": "Margaasih"}
    assert item["readiness"] == {"state": "missing", "missing": ["nib", "phytosanitary"], "expired": [],
                                 "expiring": []}  # fmt: skip


def test_the_queue_filters_by_category_kecamatan_and_status(client, admin, facilitator, producer_id):
    coffee = add_product(facilitator, producer_id)
    tea = add_product(facilitator, producer_id, category="beverages", name="Teh Hijau")
    elsewhere = add_product(admin, add_producer(admin, village=OTHER_DESA))
    assert {i["id"] for i in queue(client, admin)["items"]} == {coffee, tea, elsewhere}
    assert [i["id"] for i in queue(client, admin, category="beverages")["items"]] == [tea]
    assert [i["id"] for i in queue(client, admin, kecamatan=OTHER_KECAMATAN)["items"]] == [elsewhere]
    decide(client, admin.headers, (coffee, "approved"))
    assert [i["id"] for i in queue(client, admin, status="approved")["items"]] == [coffee]
    assert coffee not in {i["id"] for i in queue(client, admin)["items"]}


def test_the_queue_pages_by_keyset_each_product_once(client, admin, facilitator, producer_id):
    made = [add_product(facilitator, producer_id, name=f"Kopi {n}") for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = queue(client, admin, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == made
    assert pages == 3


def test_a_product_edited_while_paging_is_not_skipped(client, admin, facilitator, producer_id):
    made = [add_product(facilitator, producer_id, name=f"Kopi {n}") for n in range(3)]
    first = queue(client, admin, limit=2)
    facilitator.push(facilitator.op("product", made[0], {"description": "diperbarui"}))
    rest = queue(client, admin, limit=2, cursor=first["cursor"])
    assert [i["id"] for i in first["items"] + rest["items"]] == made[:2] + [made[2], made[0]]


def test_a_bad_cursor_or_limit_is_a_400(client, admin):
    assert_error(get(client, admin.headers, "/api/v1/review-queue", expect=400, cursor="abc"), "invalid_cursor")
    get(client, admin.headers, "/api/v1/review-queue", expect=400, limit=1000)
    get(client, admin.headers, "/api/v1/review-queue", expect=400, category="gold")


def test_another_kabupatens_admin_sees_an_empty_queue_and_may_not_ask_for_ours(
    client, admin, other_admin, facilitator, producer_id
):
    add_product(facilitator, producer_id)
    assert queue(client, other_admin)["items"] == []
    body = get(client, other_admin.headers, "/api/v1/review-queue", expect=403, kecamatan="32.04.10")
    assert_error(body, "forbidden")


def test_only_admins_curate_with_messages_in_indonesian_and_english(client, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    body = get(client, facilitator.headers, "/api/v1/review-queue", expect=403)
    assert_error(body, "forbidden", "Anda tidak berhak melakukan ini.")
    body = get(client, facilitator.headers, "/api/v1/review-queue", expect=403, lang="en")
    assert_error(body, "forbidden", "You are not allowed to do this.")
    assert_error(decide(client, facilitator.headers, (product_id, "approved"), expect=403), "forbidden")
    get(client, facilitator.headers, f"/api/v1/products/{product_id}/reviews", expect=403)


# -- decisions -----------------------------------------------------------------------------------


def test_a_bulk_approval_reaches_the_producers_phone_by_pull(client, admin, facilitator, producer_account):
    producer_id = add_producer(facilitator, phone="+6281299990000")  # the producer's record, with its phone
    products = [add_product(producer_account, producer_id, name=f"Kopi {n}") for n in range(3)]
    producer_account.pull_all()
    answer = decide(client, admin.headers, *[(p, "approved", "Bagus") for p in products])
    assert [r["status"] for r in answer["results"]] == ["applied"] * 3
    changes = producer_account.pull_all()
    reviews = {c["data"]["product_id"]: c["data"] for c in changes if c["entity"] == "review"}
    statuses = {c["entity_id"]: c["data"]["status"] for c in changes if c["entity"] == "product"}
    assert set(reviews) == set(products)
    assert all(r["decision"] == "approved" and r["note"] == "Bagus" for r in reviews.values())
    assert {r["id"] for r in reviews.values()} == {r["review_id"] for r in answer["results"]}
    assert statuses == dict.fromkeys(products, "approved")


def test_each_decision_is_answered_like_a_push_result(client, admin, facilitator, producer_id):
    good = add_product(facilitator, producer_id)
    theirs = add_product(admin, add_producer(admin, village=OTHER_DESA))
    unknown = new_id()
    answer = decide(client, admin.headers, (good, "approved"), (good, "maybe"), (unknown, "rejected"),
                    (theirs, "needs_changes", "Foto buram"))  # fmt: skip
    results = answer["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert [r["product_id"] for r in results] == [good, good, unknown, theirs]
    assert results[1]["error"]["code"] == "validation_error"
    assert results[1]["error"]["details"]["fields"]["decision"]["code"] == "invalid_choice"
    assert results[1]["error"]["message"] == "Ada data yang tidak sah."
    assert results[2]["error"]["code"] == "unknown_reference"
    assert answer["hlc"]


def test_decision_errors_follow_accept_language(client, admin):
    answer = decide(client, admin.headers, (new_id(), "approved"), lang="en")
    assert answer["results"][0]["error"]["message"] == "The record this refers to does not exist."


def test_another_kabupatens_admin_may_not_decide_on_our_products(client, other_admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    [result] = decide(client, other_admin.headers, (product_id, "approved"))["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "forbidden"


def test_more_than_1000_decisions_is_413_and_nothing_applied(client, admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    body = decide(client, admin.headers, *[(product_id, "approved")] * 1001, expect=413)
    assert_error(body, "payload_too_large", "Data terlalu besar.")
    assert get(client, admin.headers, f"/api/v1/products/{product_id}/reviews") == []


def test_a_body_without_a_list_of_decisions_is_a_validation_error(client, admin):
    response = client.post("/api/v1/reviews", json={"decisions": "all"}, headers=admin.headers)
    assert response.status_code == 422
    assert_error(response.get_json(), "validation_error")
    response = client.post("/api/v1/reviews", data="{", content_type="application/json", headers=admin.headers)
    assert response.status_code == 400
    assert_error(response.get_json(), "invalid_json")


def test_a_decision_sent_again_with_its_id_is_a_duplicate(client, admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    decision = {"id": new_id(), "product_id": product_id, "decision": "approved"}
    for expected in ("applied", "duplicate"):
        response = client.post("/api/v1/reviews", json={"decisions": [decision]}, headers=admin.headers)
        assert response.get_json()["results"][0]["status"] == expected
    assert len(get(client, admin.headers, f"/api/v1/products/{product_id}/reviews")) == 1


# -- history -------------------------------------------------------------------------------------


def test_the_history_lists_every_decision_oldest_first(client, admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    decide(client, admin.headers, (product_id, "needs_changes", "Tambah foto"))
    decide(client, admin.headers, (product_id, "rejected", "Salah kategori"), (product_id, "approved", "OK"))
    history = get(client, admin.headers, f"/api/v1/products/{product_id}/reviews")
    assert [(h["decision"], h["note"]) for h in history] == [
        ("needs_changes", "Tambah foto"),
        ("rejected", "Salah kategori"),
        ("approved", "OK"),
    ]
    assert {h["reviewer_name"] for h in history} == {"admin 1"}
    assert get(client, admin.headers, "/api/v1/review-queue", status="approved")["items"][0]["id"] == product_id


def test_the_history_of_an_unknown_or_foreign_product(client, admin, other_admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    assert_error(get(client, admin.headers, f"/api/v1/products/{new_id()}/reviews", expect=404), "not_found")
    assert_error(get(client, other_admin.headers, f"/api/v1/products/{product_id}/reviews", expect=403), "forbidden")


# -- produk unggulan -----------------------------------------------------------------------------


def feature(client, device, product_id, method="put"):
    return getattr(client, method)(f"/api/v1/products/{product_id}/featured", headers=device.headers)


def test_only_approved_products_are_featured(client, admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    response = feature(client, admin, product_id)
    assert response.status_code == 409
    assert_error(
        response.get_json(), "not_approved", "Hanya produk yang sudah disetujui yang bisa dijadikan produk unggulan."
    )
    decide(client, admin.headers, (product_id, "approved"))
    assert feature(client, admin, product_id).status_code == 201
    again = feature(client, admin, product_id)
    assert again.status_code == 200
    assert again.get_json()["village_code"] == VILLAGE


def test_featured_products_are_listed_per_desa(client, admin, facilitator, producer_id):
    here = [add_product(facilitator, producer_id, name=f"Kopi {n}") for n in range(2)]
    there = add_product(admin, add_producer(admin, village=OTHER_DESA))
    decide(client, admin.headers, *[(p, "approved") for p in here + [there]])
    for product_id in here + [there]:
        feature(client, admin, product_id)
    listing = get(client, admin.headers, "/api/v1/featured")
    assert [(d["village_code"], d["village_name"], [p["id"] for p in d["products"]]) for d in listing] == [
        (OTHER_DESA, "Cileunyi Kulon", [there]),
        (VILLAGE, "Margaasih", here),
    ]
    assert [d["village_code"] for d in get(client, admin.headers, "/api/v1/featured", region="32.04.10")] == [VILLAGE]


def test_unfeaturing_and_a_product_sent_back_to_review_leave_the_list(client, admin, facilitator, producer_id):
    first, second = (add_product(facilitator, producer_id, name=f"Kopi {n}") for n in range(2))
    decide(client, admin.headers, (first, "approved"), (second, "approved"))
    feature(client, admin, first)
    feature(client, admin, second)
    assert feature(client, admin, first, "delete").status_code == 204
    assert feature(client, admin, first, "delete").status_code == 204
    facilitator.push(facilitator.op("product", second, {"name": "Kopi Baru"}))  # back to submitted
    assert get(client, admin.headers, "/api/v1/featured") == []


def test_featuring_is_for_admins_of_the_products_region(client, admin, other_admin, facilitator, producer_id):
    product_id = add_product(facilitator, producer_id)
    decide(client, admin.headers, (product_id, "approved"))
    assert feature(client, other_admin, product_id).status_code == 403
    assert feature(client, facilitator, product_id).status_code == 403
    assert feature(client, admin, new_id()).status_code == 404
    assert get(client, other_admin.headers, "/api/v1/featured") == []
    assert_error(get(client, other_admin.headers, "/api/v1/featured", expect=403, region="32.04"), "forbidden")


def test_an_outsiders_queue_and_featured_list_never_show_other_places(client, admin, other_admin):
    producer_id = add_producer(other_admin, village=OTHER_VILLAGE)
    add_product(other_admin, producer_id)
    assert queue(client, admin)["items"] == []
