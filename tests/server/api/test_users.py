import pytest
from sqlalchemy import select

from server.engine.models import User
from server.extensions import db

USERS = "/api/v1/users"
VILLAGE = "32.04.10.2001"  # Margaasih, Kec. Margaasih, Kab. Bandung
NEIGHBOUR = "32.04.10.2002"  # another desa of Kec. Margaasih
KECAMATAN = "32.04.10"  # Kec. Margaasih
KOTA_VILLAGE = "32.73.01.1001"  # Kota Bandung: outside an admin of 32.04


def new_user(role="producer", regions=(VILLAGE,), phone="081233334444", **extra):
    """The body of POST /users."""
    return {"phone": phone, "pin": "135790", "name": "Pak Budi", "role": role, "regions": list(regions), **extra}


def error(response, status):
    """The error code of a response, after checking its status."""
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]["code"]


def field_code(response, field):
    """The code of one field of a 422."""
    assert error(response, 422) == "validation_error"
    return response.get_json()["error"]["details"]["fields"][field]["code"]


@pytest.mark.parametrize(
    "role, regions",
    [
        ("producer", (VILLAGE,)),
        ("facilitator", ("32.04.10",)),
        ("facilitator", (VILLAGE, NEIGHBOUR)),
    ],
)
def test_admin_makes_accounts_under_its_regions(client, accounts, role, regions):
    admin = accounts.headers()
    response = client.post(USERS, json=new_user(role, regions), headers=admin)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["role"], body["regions"], body["phone"], body["name"]) == (
        role,
        sorted(regions),
        "+6281233334444",
        "Pak Budi",
    )
    assert accounts.login("081233334444", pin="135790")["user"]["id"] == body["id"]


def test_new_account_records_who_made_it(app, client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user(), headers=admin).get_json()["id"]
    with app.app_context():
        assert db.session.get(User, user_id).created_by == admin.user["id"]


@pytest.mark.parametrize("spelling", ["081233334444", "6281233334444", "+6281233334444"])
def test_duplicate_phone_in_any_spelling_is_a_409(client, accounts, spelling):
    admin = accounts.headers()
    assert client.post(USERS, json=new_user(), headers=admin).status_code == 201
    assert error(client.post(USERS, json=new_user(phone=spelling), headers=admin), 409) == "phone_taken"


def test_phone_registered_by_a_concurrent_request_is_a_409(client, accounts, monkeypatch):
    admin = accounts.headers()
    assert client.post(USERS, json=new_user(), headers=admin).status_code == 201
    monkeypatch.setattr("server.api.users.phone_taken", lambda phone: False)  # as if both checked at once
    assert error(client.post(USERS, json=new_user(), headers=admin), 409) == "phone_taken"
    assert client.get(USERS, headers=admin).status_code == 200  # the session is usable again


def test_admin_cannot_make_accounts_outside_its_regions(client, accounts):
    admin = accounts.headers()
    assert error(client.post(USERS, json=new_user(regions=(KOTA_VILLAGE,)), headers=admin), 403) == "forbidden"
    assert error(client.post(USERS, json=new_user("admin", ("32",)), headers=admin), 403) == "forbidden"
    assert error(client.post(USERS, json=new_user("admin", ("32.73",)), headers=admin), 403) == "forbidden"


def test_an_admin_cannot_take_over_a_peer_admin(client, accounts):
    admin = accounts.headers()
    peer = accounts.headers()
    url = f"{USERS}/{peer.user['id']}"
    assert error(client.get(url, headers=admin), 403) == "forbidden"
    assert error(client.patch(url, json={"pin": "975310"}, headers=admin), 403) == "forbidden"
    assert error(client.patch(url, json={"role": "facilitator", "regions": ["32.04.10"]}, headers=admin), 403) == (
        "forbidden"
    )
    assert error(client.patch(url, json={"name": "X"}, headers=admin), 403) == "forbidden"
    assert peer.user["id"] not in [u["id"] for u in client.get(USERS, headers=admin).get_json()]
    assert accounts.login(peer.user["phone"])["user"]["role"] == "admin"  # PIN and role unchanged


def test_an_admin_cannot_make_another_admin_of_its_own_kabupaten(client, accounts):
    admin = accounts.headers()
    assert error(client.post(USERS, json=new_user("admin", ("32.04",)), headers=admin), 403) == "forbidden"


def test_an_admin_cannot_raise_an_account_to_its_own_rank(client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user("facilitator", ("32.04.10",)), headers=admin).get_json()["id"]
    promote = client.patch(f"{USERS}/{user_id}", json={"role": "admin", "regions": ["32.04"]}, headers=admin)
    assert error(promote, 403) == "forbidden"


def test_a_province_admin_manages_the_admins_of_its_kabupaten(client, accounts):
    province = accounts.headers(regions=("32",))
    response = client.post(USERS, json=new_user("admin", ("32.04",)), headers=province)
    assert response.status_code == 201, response.get_json()
    url = f"{USERS}/{response.get_json()['id']}"
    assert client.get(url, headers=province).status_code == 200
    assert client.patch(url, json={"pin": "975310"}, headers=province).status_code == 200
    assert response.get_json()["id"] in [u["id"] for u in client.get(USERS, headers=province).get_json()]
    kabupaten = accounts.login("081233334444", pin="975310")
    bearer = {"Authorization": "Bearer " + kabupaten["access_token"]}
    back = client.get(f"{USERS}/{province.user['id']}", headers=bearer)
    assert error(back, 403) == "forbidden"


def test_a_province_admin_cannot_manage_a_peer_or_make_one(client, accounts):
    province = accounts.headers(regions=("32",))
    peer = accounts.headers(regions=("32",))
    assert error(client.patch(f"{USERS}/{peer.user['id']}", json={"pin": "975310"}, headers=province), 403) == (
        "forbidden"
    )
    assert error(client.post(USERS, json=new_user("admin", ("32",)), headers=province), 403) == "forbidden"


def test_facilitator_makes_producers_in_its_villages(client, accounts):
    facilitator = accounts.headers(role="facilitator", regions=(VILLAGE,))
    assert client.post(USERS, json=new_user(), headers=facilitator).status_code == 201
    outside = client.post(USERS, json=new_user(regions=(NEIGHBOUR,), phone="081233335555"), headers=facilitator)
    assert error(outside, 403) == "forbidden"


@pytest.mark.parametrize("role, regions", [("facilitator", (VILLAGE,)), ("admin", ("32.04",))])
def test_facilitator_makes_only_producers(client, accounts, role, regions):
    facilitator = accounts.headers(role="facilitator", regions=("32.04.10",))
    assert error(client.post(USERS, json=new_user(role, regions), headers=facilitator), 403) == "forbidden"


def test_producer_makes_nobody(client, accounts):
    producer = accounts.headers(role="producer", regions=(VILLAGE,))
    assert error(client.post(USERS, json=new_user(regions=(VILLAGE,)), headers=producer), 403) == "forbidden"


def test_an_admin_makes_a_hub_of_one_kecamatan_in_its_regions(client, accounts):
    response = client.post(USERS, json=new_user("hub", (KECAMATAN,)), headers=accounts.headers())
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["role"], response.get_json()["regions"]) == ("hub", [KECAMATAN])
    assert accounts.login("081233334444", pin="135790")["user"]["role"] == "hub"


@pytest.mark.parametrize(
    "regions, code",
    [
        ((KECAMATAN, "32.04.05"), "one_kecamatan"),
        ((), "required"),
        ((VILLAGE,), "wrong_region_level"),  # a desa
        (("32.04",), "wrong_region_level"),  # a kabupaten
        ((KECAMATAN, VILLAGE), "wrong_region_level"),
    ],
)
def test_a_hub_is_given_exactly_one_kecamatan(client, accounts, regions, code):
    response = client.post(USERS, json=new_user("hub", regions), headers=accounts.headers())
    assert field_code(response, "regions") == code


def test_the_one_kecamatan_message_is_indonesian_first(client, accounts):
    body = new_user("hub", (KECAMATAN, "32.04.05"))
    messages = [
        client.post(USERS, json=body, headers={**accounts.headers(), **language}).get_json()["error"]["details"]
        for language in ({}, {"Accept-Language": "en"})
    ]
    assert [m["fields"]["regions"]["message"] for m in messages] == [
        "Hub kecamatan ditugaskan ke tepat satu kecamatan.",
        "A kecamatan hub is assigned exactly one kecamatan.",
    ]


def test_only_an_admin_over_the_kecamatan_makes_its_hub(client, accounts):
    admin = accounts.headers()
    outside = client.post(USERS, json=new_user("hub", ("32.73.01",)), headers=admin)  # Kota Bandung
    assert error(outside, 403) == "forbidden"
    facilitator = accounts.headers(role="facilitator", regions=(KECAMATAN,))
    assert error(client.post(USERS, json=new_user("hub", (KECAMATAN,)), headers=facilitator), 403) == "forbidden"


def test_a_hub_manages_no_account(client, accounts):
    hub = accounts.headers(role="hub", regions=(KECAMATAN,))
    assert error(client.post(USERS, json=new_user(), headers=hub), 403) == "forbidden"  # a producer of its kecamatan
    assert error(client.get(USERS, headers=hub), 403) == "forbidden"
    producer_id = client.post(USERS, json=new_user(), headers=accounts.headers()).get_json()["id"]
    assert error(client.get(f"{USERS}/{producer_id}", headers=hub), 403) == "forbidden"
    assert error(client.patch(f"{USERS}/{producer_id}", json={"pin": "975310"}, headers=hub), 403) == "forbidden"


def test_an_account_becomes_a_hub_only_with_one_kecamatan(client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user("facilitator", (KECAMATAN,)), headers=admin).get_json()["id"]
    url = f"{USERS}/{user_id}"
    two = client.patch(url, json={"role": "hub", "regions": [KECAMATAN, "32.04.05"]}, headers=admin)
    assert field_code(two, "regions") == "one_kecamatan"
    response = client.patch(url, json={"role": "hub"}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["role"], response.get_json()["regions"]) == ("hub", [KECAMATAN])


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"phone": "12345"}, "phone", "invalid_phone"),
        ({"phone": "+6512345678"}, "phone", "invalid_phone"),
        ({"pin": "1234"}, "pin", "invalid_pin"),
        ({"pin": "abcdef"}, "pin", "invalid_pin"),
        ({"role": "king"}, "role", "invalid_choice"),
        ({"role": None}, "role", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "x" * 201}, "name", "too_long"),
        ({"regions": ["32.04.99.9999"]}, "regions", "unknown_region"),
        ({"regions": []}, "regions", "required"),
        ({"regions": ["32.04"]}, "regions", "wrong_region_level"),  # a producer lives in a desa
    ],
)
def test_bad_input_is_a_validation_error(client, accounts, change, field, code):
    response = client.post(USERS, json={**new_user(), **change}, headers=accounts.headers())
    assert field_code(response, field) == code


def test_malformed_region_code_is_a_validation_error(client, accounts):
    response = client.post(USERS, json=new_user(regions=("Bandung",)), headers=accounts.headers())
    fields = response.get_json()["error"]["details"]["fields"]
    assert error(response, 422) == "validation_error"
    assert [f["code"] for f in fields.values()] == ["unknown_region"]


def test_unknown_region_message_names_the_code(client, accounts):
    response = client.post(
        USERS, json=new_user(regions=["32.04.99.9999"]), headers={**accounts.headers(), "Accept-Language": "en"}
    )
    assert (
        response.get_json()["error"]["details"]["fields"]["regions"]["message"] == "Unknown region code: 32.04.99.9999."
    )


def test_wrong_role_message_lists_the_roles(client, accounts):
    response = client.post(USERS, json=new_user(role="king"), headers={**accounts.headers(), "Accept-Language": "en"})
    message = response.get_json()["error"]["details"]["fields"]["role"]["message"]
    assert message == "Must be one of: producer, facilitator, admin, hub."


def test_patch_changes_regions_and_scope_version(app, client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user(), headers=admin).get_json()["id"]
    response = client.patch(f"{USERS}/{user_id}", json={"regions": [NEIGHBOUR], "name": " Bu Rina "}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["regions"], response.get_json()["name"]) == ([NEIGHBOUR], "Bu Rina")
    with app.app_context():
        assert db.session.get(User, user_id).scope_version == 2


def test_patch_pin_changes_the_login(client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user(), headers=admin).get_json()["id"]
    assert client.patch(f"{USERS}/{user_id}", json={"pin": "975310"}, headers=admin).status_code == 200
    assert accounts.login("081233334444", pin="975310")["user"]["id"] == user_id


def test_a_facilitator_resets_its_producers_pin_but_not_another_facilitators(client, accounts):
    facilitator = accounts.headers(role="facilitator", regions=("32.04.10",))
    producer_id = client.post(USERS, json=new_user(), headers=facilitator).get_json()["id"]
    assert client.patch(f"{USERS}/{producer_id}", json={"pin": "975310"}, headers=facilitator).status_code == 200
    assert accounts.login("081233334444", pin="975310")["user"]["id"] == producer_id
    peer = accounts.headers(role="facilitator", regions=("32.04.10",)).user["id"]
    assert error(client.patch(f"{USERS}/{peer}", json={"pin": "975310"}, headers=facilitator), 403) == "forbidden"


def test_account_changes_its_own_name_and_pin_but_not_its_regions(client, accounts):
    me = accounts.headers(role="facilitator", regions=("32.04.10",))
    url = f"{USERS}/{me.user['id']}"
    assert client.patch(url, json={"name": "Ibu Sari", "pin": "408152"}, headers=me).status_code == 200
    assert error(client.patch(url, json={"regions": ["32.04"]}, headers=me), 403) == "forbidden"
    assert error(client.patch(url, json={"role": "admin"}, headers=me), 403) == "forbidden"


WEAK_PINS = ["000000", "123456", "111111", "654321", "012345", "987654", "121212", "112233", "123123", "696969"]
WEAK_PINS += ["159753", "147258", "789456", "890123"]


@pytest.mark.parametrize("pin", WEAK_PINS)
def test_weak_pins_are_refused_at_creation_and_change(client, accounts, pin):
    admin = accounts.headers()
    response = client.post(USERS, json={**new_user(), "pin": pin}, headers=admin)
    assert error(response, 422) == "weak_pin"
    assert response.get_json()["error"]["details"]["fields"]["pin"]["code"] == "weak_pin"
    assert response.get_json()["error"]["message"].startswith("PIN terlalu mudah ditebak")
    user_id = client.post(USERS, json=new_user(), headers=admin).get_json()["id"]
    assert error(client.patch(f"{USERS}/{user_id}", json={"pin": pin}, headers=admin), 422) == "weak_pin"
    me = f"{USERS}/{admin.user['id']}"
    english = {**admin, "Accept-Language": "en"}
    answer = client.patch(me, json={"pin": pin}, headers=english)
    assert error(answer, 422) == "weak_pin" and answer.get_json()["error"]["message"].startswith("This PIN is too easy")
    assert accounts.login("081233334444", pin="135790")  # the old PIN still stands


def test_the_demo_pin_and_other_unpatterned_pins_are_accepted(client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json={**new_user(), "pin": "246810"}, headers=admin).get_json()["id"]
    for pin in ("975310", "408152", "246810"):
        assert client.patch(f"{USERS}/{user_id}", json={"pin": pin}, headers=admin).status_code == 200


def test_admin_cannot_widen_its_own_regions(client, accounts):
    admin = accounts.headers()
    url = f"{USERS}/{admin.user['id']}"
    assert error(client.patch(url, json={"regions": ["32"]}, headers=admin), 403) == "forbidden"


def test_facilitator_changes_its_producers_only(client, accounts):
    facilitator = accounts.headers(role="facilitator", regions=("32.04.10",))
    mine = client.post(USERS, json=new_user(), headers=facilitator).get_json()["id"]
    assert client.patch(f"{USERS}/{mine}", json={"regions": [NEIGHBOUR]}, headers=facilitator).status_code == 200
    promote = client.patch(f"{USERS}/{mine}", json={"role": "facilitator"}, headers=facilitator)
    assert error(promote, 403) == "forbidden"
    elsewhere = accounts.headers(role="producer", regions=(KOTA_VILLAGE,)).user["id"]
    assert error(client.patch(f"{USERS}/{elsewhere}", json={"name": "X"}, headers=facilitator), 403) == "forbidden"


def test_admin_cannot_move_an_account_outside_its_regions(client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user(), headers=admin).get_json()["id"]
    moved = client.patch(f"{USERS}/{user_id}", json={"regions": [KOTA_VILLAGE]}, headers=admin)
    assert error(moved, 403) == "forbidden"


def test_admin_cannot_change_accounts_of_other_regions(client, accounts):
    admin = accounts.headers()
    other = accounts.headers(regions=("32.73",)).user["id"]
    assert error(client.patch(f"{USERS}/{other}", json={"name": "X"}, headers=admin), 403) == "forbidden"


def test_patch_validates_like_post(client, accounts):
    admin = accounts.headers()
    user_id = client.post(USERS, json=new_user(), headers=admin).get_json()["id"]
    url = f"{USERS}/{user_id}"
    assert field_code(client.patch(url, json={"pin": "12"}, headers=admin), "pin") == "invalid_pin"
    assert field_code(client.patch(url, json={"role": "king"}, headers=admin), "role") == "invalid_choice"
    assert field_code(client.patch(url, json={"regions": ["32.04.99.9999"]}, headers=admin), "regions") == (
        "unknown_region"
    )
    assert field_code(client.patch(url, json={"regions": []}, headers=admin), "regions") == "required"


def test_patch_of_an_unknown_account_is_a_404(client, accounts):
    response = client.patch(
        f"{USERS}/00000000-0000-4000-8000-000000000000", json={"name": "X"}, headers=accounts.headers()
    )
    assert error(response, 404) == "not_found"


def test_list_shows_the_accounts_the_caller_manages(client, accounts):
    admin = accounts.headers()
    accounts.make(role="producer", regions=(VILLAGE,), name="Mine")
    accounts.make(role="producer", regions=(KOTA_VILLAGE,), name="Elsewhere")
    names = [u["name"] for u in client.get(USERS, headers=admin).get_json()]
    assert "Mine" in names and "Elsewhere" not in names
    producer = accounts.headers(role="producer", regions=(VILLAGE,))
    assert error(client.get(USERS, headers=producer), 403) == "forbidden"


def test_get_one_account(client, accounts):
    admin = accounts.headers()
    me = accounts.headers(role="producer", regions=(VILLAGE,))
    assert client.get(f"{USERS}/{me.user['id']}", headers=me).get_json()["id"] == me.user["id"]
    assert client.get(f"{USERS}/{me.user['id']}", headers=admin).status_code == 200
    assert error(client.get(f"{USERS}/{admin.user['id']}", headers=me), 403) == "forbidden"


def test_phone_is_stored_as_plus_62(app, client, accounts):
    client.post(USERS, json=new_user(phone="0812 3333 4444"), headers=accounts.headers())
    with app.app_context():
        assert db.session.scalar(select(User.phone).where(User.name == "Pak Budi")) == "+6281233334444"
