"""Export readiness: the rules file, per product (what is missing, expired, expiring) and per region."""

import json
from datetime import date, timedelta

import pytest

from server.workspace.readiness.rules import RULES_PATH
from tests.helpers import Device, new_id
from tests.server.workspace_helpers import OTHER_DESA, add_producer, add_product, assert_error, get

AS_OF = date(2026, 11, 27)
RULES = json.loads(RULES_PATH.read_text(encoding="utf-8"))
NIB = "1234567890123"


def readiness(client, device, product_id, expect=200, **params):
    params.setdefault("as_of", AS_OF)
    return get(client, device.headers, f"/api/v1/products/{product_id}/readiness", expect, **params)


def cert(kind, until=None):
    return {"kind": kind, "number": f"{kind}-1", "valid_until": until}


def days(n):
    return (AS_OF + timedelta(days=n)).isoformat()


def unconditional(category, as_of=AS_OF):
    """Requirement keys the rules file gives a category with no condition, in force on a day."""
    raw = RULES["requirements"] + RULES["categories"][category]["requirements"]
    return {"_or_".join(r["documents"]) for r in raw if "when" not in r and r.get("from", "") <= as_of.isoformat()}


# -- the rules -----------------------------------------------------------------------------------


def test_the_rules_are_served_as_the_file_holds_them(client, facilitator):
    assert get(client, facilitator.headers, "/api/v1/readiness/rules") == RULES
    for doc in RULES["documents"].values():
        assert doc["who_can_help"]["id"] and doc["who_can_help"]["en"]
    assert "OSS" in RULES["documents"]["nib"]["who_can_help"]["id"]
    assert "BPJPH" in RULES["documents"]["halal"]["who_can_help"]["en"]
    assert "Karantina" in RULES["documents"]["phytosanitary"]["who_can_help"]["id"]
    assert "Dinas Kesehatan" in RULES["documents"]["pirt"]["who_can_help"]["id"]


def test_the_rules_need_a_login(client):
    assert client.get("/api/v1/readiness/rules").status_code == 401


# -- per product ---------------------------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(RULES["categories"]))
def test_each_category_needs_what_the_rules_file_says(client, facilitator, category):
    producer_id = add_producer(facilitator)
    bare = add_product(facilitator, producer_id, category=category, name="Produk Desa")
    verdict = readiness(client, facilitator, bare)
    assert verdict["state"] == "missing"
    assert set(verdict["missing"]) == unconditional(category)
    documents = {d for key in unconditional(category) for d in key.split("_or_")[:1]} - {"hs_code", "nib"}
    full = add_product(facilitator, add_producer(facilitator, nib=NIB), category=category, name="Produk Desa",
                       hs_code="12345678", certifications=[cert(d) for d in sorted(documents)])  # fmt: skip
    assert readiness(client, facilitator, full)["state"] == "ready"


def test_phytosanitary_for_fresh_produce_coffee_cocoa_spices_and_grains():
    for category in ("fruits", "vegetables", "coffee", "cocoa", "spices", "rice_grains"):
        assert "phytosanitary" in unconditional(category)
    for category in ("textile", "other", "processed_food"):
        assert "phytosanitary" not in unconditional(category)


def test_pirt_or_bpom_md_either_satisfies_processed_food(client, facilitator):
    producer_id = add_producer(facilitator, nib=NIB)
    for held in ("pirt", "bpom_md"):
        product_id = add_product(facilitator, producer_id, category="processed_food", name="Dodol Susu",
                                 hs_code="17049099", certifications=[cert(held), cert("halal")])  # fmt: skip
        assert readiness(client, facilitator, product_id)["state"] == "ready"


def test_halal_is_required_from_17_october_2026_and_only_recommended_before(client, facilitator):
    product_id = add_product(facilitator, add_producer(facilitator), category="beverages", name="Teh Celup")
    after = readiness(client, facilitator, product_id, as_of="2026-10-17")
    before = readiness(client, facilitator, product_id, as_of="2026-10-16")
    assert "halal" in after["missing"]
    assert "halal" not in before["missing"]
    assert {"document": "halal", "held": False} in before["recommended"]


def test_organic_only_when_claimed(client, facilitator):
    producer_id = add_producer(facilitator)
    plain = add_product(facilitator, producer_id, name="Beras Pandan Wangi", category="rice_grains")
    claimed = add_product(facilitator, producer_id, name="Beras Organik", category="rice_grains")
    expired = add_product(facilitator, producer_id, name="Beras", category="rice_grains",
                          certifications=[cert("organic", days(-1))])  # fmt: skip
    assert "organic" not in readiness(client, facilitator, plain)["missing"]
    assert "organic" in readiness(client, facilitator, claimed)["missing"]
    assert readiness(client, facilitator, expired)["expired"] == ["organic"]


def test_wooden_handicraft_needs_phytosanitary_woven_does_not(client, facilitator):
    producer_id = add_producer(facilitator, nib=NIB)
    wood = add_product(facilitator, producer_id, name="Ukiran Kayu Jati", category="handicraft", hs_code="44201900")
    woven = add_product(facilitator, producer_id, name="Tas Anyaman Pandan", category="handicraft", hs_code="46021990")
    assert readiness(client, facilitator, wood)["missing"] == ["phytosanitary"]
    assert readiness(client, facilitator, woven)["state"] == "ready"


def test_nib_comes_from_the_producer_or_a_certification(client, facilitator):
    with_field = add_product(facilitator, add_producer(facilitator, nib=NIB), category="other", hs_code="12345678")
    with_cert = add_product(facilitator, add_producer(facilitator), category="other", hs_code="12345678",
                            certifications=[cert("nib")])  # fmt: skip
    assert readiness(client, facilitator, with_field)["state"] == "ready"
    assert readiness(client, facilitator, with_cert)["state"] == "ready"


@pytest.mark.parametrize(
    ("until", "state", "days_left"),
    [(-1, "missing", -1), (0, "expiring", 0), (30, "expiring", 30), (90, "expiring", 90), (91, "ready", 91)],
)
def test_what_expires_within_90_days(client, facilitator, until, state, days_left):
    product_id = add_product(facilitator, add_producer(facilitator, nib=NIB), category="processed_food",
                             hs_code="17049099", certifications=[cert("pirt", days(until)), cert("halal")])  # fmt: skip
    verdict = readiness(client, facilitator, product_id)
    assert verdict["state"] == state
    [check] = [c for c in verdict["requirements"] if c["requirement"] == "pirt_or_bpom_md"]
    assert (check["valid_until"], check["days_left"]) == (days(until), days_left)
    assert verdict["expired"] == (["pirt_or_bpom_md"] if until < 0 else [])
    assert verdict["expiring"] == (["pirt_or_bpom_md"] if 0 <= until <= 90 else [])


def test_the_latest_of_several_documents_counts(client, facilitator):
    held = [cert("pirt", days(-10)), cert("bpom_md", days(400)), cert("halal")]
    product_id = add_product(facilitator, add_producer(facilitator, nib=NIB), category="processed_food",
                             hs_code="17049099", certifications=held)  # fmt: skip
    assert readiness(client, facilitator, product_id)["state"] == "ready"


def test_texts_follow_accept_language(client, facilitator):
    product_id = add_product(facilitator, add_producer(facilitator))
    english = readiness(client, facilitator, product_id, lang="en")
    assert english["documents"]["phytosanitary"]["name"] == "Phytosanitary certificate"
    assert "Badan Karantina" in english["documents"]["phytosanitary"]["who_can_help"]
    assert readiness(client, facilitator, product_id)["documents"]["hs_code"]["name"] == "Kode HS"


def test_a_products_readiness_is_for_those_who_may_see_it(client, facilitator, outsider, admin):
    product_id = add_product(facilitator, add_producer(facilitator))
    assert readiness(client, admin, product_id)["product_id"] == product_id
    assert_error(readiness(client, outsider, product_id, expect=403), "forbidden")
    assert_error(readiness(client, facilitator, new_id(), expect=404), "not_found")


@pytest.mark.parametrize("as_of", ["9999-12-31", "2101-01-01", "1999-12-31", "0001-01-01"])
def test_as_of_outside_the_years_2000_to_2100_is_400_not_500(client, facilitator, admin, as_of):
    product_id = add_product(facilitator, add_producer(facilitator))
    for body in (
        readiness(client, facilitator, product_id, expect=400, as_of=as_of),
        summary(client, admin, expect=400, as_of=as_of),
    ):
        assert_error(body, "invalid_parameter")
        assert body["error"]["details"]["fields"]["as_of"]["code"] == "out_of_range"


@pytest.mark.parametrize("as_of", ["2026-13-45", "27-11-2026", "2026-W48-5", "20261127"])
def test_as_of_that_is_not_a_date_is_400(client, facilitator, as_of):
    body = readiness(client, facilitator, add_product(facilitator, add_producer(facilitator)), 400, as_of=as_of)
    assert_error(body, "invalid_parameter")
    assert body["error"]["details"]["fields"]["as_of"]["code"] == "invalid_date"


def test_as_of_on_the_first_and_last_days_of_the_range(client, facilitator, admin):
    product_id = add_product(facilitator, add_producer(facilitator))
    for as_of in ("2000-01-01", "2100-12-31"):
        assert readiness(client, facilitator, product_id, as_of=as_of)["as_of"] == as_of
        assert summary(client, admin, as_of=as_of)["totals"]["products"] == 1


# -- per region ----------------------------------------------------------------------------------


@pytest.fixture
def catalogue(facilitator, admin):
    """Products of two kecamatan: ready, missing, expiring and expired, in three categories."""
    here, there = add_producer(facilitator, nib=NIB), add_producer(admin, village=OTHER_DESA)
    food = {"category": "processed_food", "hs_code": "17049099"}
    return {
        "ready_food": add_product(facilitator, here, **food, certifications=[cert("pirt"), cert("halal")]),
        "expiring_food": add_product(
            facilitator, here, **food, certifications=[cert("pirt", days(20)), cert("halal")]
        ),  # fmt: skip
        "expired_food": add_product(
            facilitator, here, **food, certifications=[cert("pirt", days(-20)), cert("halal")]
        ),  # fmt: skip
        "bare_coffee": add_product(facilitator, here),
        "ready_textile": add_product(facilitator, here, category="textile", hs_code="52084290"),
        "bare_textile": add_product(admin, there, category="textile"),
        "organic_rice": add_product(
            admin,
            there,
            category="rice_grains",
            name="Beras Organik",
            hs_code="10063099",
            certifications=[cert("phytosanitary", days(60)), cert("nib")],
        ),  # fmt: skip
    }


def summary(client, device, expect=200, **params):
    params.setdefault("as_of", AS_OF)
    return get(client, device.headers, "/api/v1/readiness/summary", expect, **params)


def test_the_summary_counts_per_category_and_kecamatan(client, admin, catalogue):
    body = summary(client, admin, region="32.04", by="kecamatan")
    assert body["totals"] == {"products": 7, "ready": 2, "missing": 4, "expiring": 1}
    assert {c["category"]: (c["ready"], c["missing"], c["expiring"]) for c in body["by_category"]} == {
        "coffee": (0, 1, 0),
        "processed_food": (1, 1, 1),
        "rice_grains": (0, 1, 0),
        "textile": (1, 1, 0),
    }
    assert [(r["code"], r["name"], r["products"], r["ready"]) for r in body["by_region"]] == [
        ("32.04.05", "Cileunyi", 2, 0),
        ("32.04.10", "Margaasih", 5, 2),
    ]
    documents = {d["requirement"]: d for d in body["documents"]}
    assert documents["pirt_or_bpom_md"] == {"requirement": "pirt_or_bpom_md", "missing": 0, "expired": 1,
                                            "expiring": 1}  # fmt: skip
    assert documents["organic"]["missing"] == 1
    assert documents["phytosanitary"] == {"requirement": "phytosanitary", "missing": 1, "expired": 0, "expiring": 1}
    assert documents["nib"]["missing"] == 1  # the bare textile's producer has none


def test_the_summary_agrees_with_each_products_readiness(client, admin, catalogue):
    states = {}
    for product_id in catalogue.values():
        state = readiness(client, admin, product_id)["state"]
        states[state] = states.get(state, 0) + 1
    totals = summary(client, admin)["totals"]
    assert {k: v for k, v in totals.items() if k != "products" and v} == states


def test_the_summary_by_desa_and_of_one_kecamatan(client, admin, catalogue):
    body = summary(client, admin, region="32.04.05")
    assert body["by"] == "desa"
    assert [(r["code"], r["name"]) for r in body["by_region"]] == [(OTHER_DESA, "Cileunyi Kulon")]
    assert summary(client, admin, status="approved")["totals"]["products"] == 0


def test_the_summary_is_for_admins_of_the_region(client, accounts, facilitator, catalogue):
    other = Device(client, accounts.headers(role="admin", regions=("32.73",)))
    assert summary(client, other)["totals"]["products"] == 0
    assert_error(summary(client, other, expect=403, region="32.04"), "forbidden")
    assert_error(summary(client, facilitator, expect=403), "forbidden", "Anda tidak berhak melakukan ini.")
    summary(client, other, expect=400, by="province")
