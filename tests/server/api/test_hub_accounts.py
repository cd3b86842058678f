"""GET /api/v1/hub/accounts: the accounts a hub recognises offline, and their revoked devices."""

import jwt
import pytest

ACCOUNTS = "/api/v1/hub/accounts"
KECAMATAN = "32.04.10"  # Kec. Margaasih
VILLAGE = "32.04.10.2001"  # Margaasih
ELSEWHERE = "32.04.05.2001"  # Cileunyi Kulon, Kec. Cileunyi
FIELDS = {"id", "phone", "name", "role", "regions", "scope_version", "revoked_devices", "revoked_sessions"}

# name: (role, regions, whether the hub of Margaasih recognises it)
PEOPLE = {
    "producer": ("producer", [VILLAGE], True),
    "facilitator_desa": ("facilitator", [VILLAGE], True),
    "facilitator_kecamatan": ("facilitator", [KECAMATAN], True),
    "facilitator_both": ("facilitator", [VILLAGE, ELSEWHERE], True),  # partly inside: its phone may come
    "admin_kabupaten": ("admin", ["32.04"], True),
    "admin_province": ("admin", ["32"], True),
    "hub_peer": ("hub", [KECAMATAN], True),
    "producer_elsewhere": ("producer", [ELSEWHERE], False),
    "facilitator_elsewhere": ("facilitator", ["32.04.05"], False),
    "admin_other_kab": ("admin", ["32.73"], False),
    "hub_elsewhere": ("hub", ["32.04.05"], False),
}


@pytest.fixture
def people(accounts):
    """Each account of PEOPLE logged in: name -> its login answer."""
    return {
        name: accounts.login(accounts.make(role, regions, name=name)) for name, (role, regions, _) in PEOPLE.items()
    }


def listed(client, session):
    response = client.get(ACCOUNTS, headers={"Authorization": "Bearer " + session["access_token"]})
    assert response.status_code == 200, response.get_json()
    return {account["name"]: account for account in response.get_json()["accounts"]}


def test_a_hub_gets_the_accounts_inside_or_above_its_kecamatan_and_no_other(client, people):
    names = set(listed(client, people["hub_peer"]))
    assert names == {name for name, (*_, recognised) in PEOPLE.items() if recognised}


def test_each_account_comes_with_its_regions_scope_version_and_revoked_devices_never_its_pin(client, accounts, people):
    producer = people["producer"]
    bearer = {"Authorization": "Bearer " + producer["access_token"]}
    other_phone = accounts.login(producer["user"]["phone"], device_id="0190f000-0000-7000-8000-0000000000aa")
    assert other_phone["user"]["id"] == producer["user"]["id"]
    assert client.post("/api/v1/devices/0190f000-0000-7000-8000-0000000000aa/revoke", headers=bearer).status_code == 200
    got = listed(client, people["hub_peer"])
    assert all(set(account) == FIELDS for account in got.values())
    revoked_session = got["producer"].pop("revoked_sessions")
    assert revoked_session == [other_phone_session(other_phone)] and revoked_session[0] != producer_session(producer)
    assert got["producer"] == {
        "id": producer["user"]["id"],
        "phone": producer["user"]["phone"],
        "name": "producer",
        "role": "producer",
        "regions": [VILLAGE],
        "scope_version": 1,
        "revoked_devices": ["0190f000-0000-7000-8000-0000000000aa"],
    }
    assert got["facilitator_both"]["regions"] == [ELSEWHERE, VILLAGE]
    assert got["admin_province"]["revoked_devices"] == got["admin_province"]["revoked_sessions"] == []


def other_phone_session(login):
    """The session (a token's dev) of a login."""
    return jwt.decode(login["access_token"], options={"verify_signature": False})["dev"]


producer_session = other_phone_session


def test_a_hub_elsewhere_gets_its_own_kecamatans_accounts(client, people):
    names = set(listed(client, people["hub_elsewhere"]))
    assert names == {
        "facilitator_both",
        "admin_kabupaten",
        "admin_province",
        "producer_elsewhere",
        "facilitator_elsewhere",
        "hub_elsewhere",
    }


@pytest.mark.parametrize("name", ["producer", "facilitator_kecamatan", "admin_kabupaten", "admin_province"])
def test_only_a_hub_reads_them(client, people, name):
    response = client.get(ACCOUNTS, headers={"Authorization": "Bearer " + people[name]["access_token"]})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "Anda tidak berhak melakukan ini."
    assert client.get(ACCOUNTS).status_code == 401


def test_the_endpoint_is_documented(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/hub/accounts"]["get"]
    assert {"200", "401", "403"} <= set(operation["responses"])
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["HubAccount"]
    assert set(schema["properties"]) == FIELDS
