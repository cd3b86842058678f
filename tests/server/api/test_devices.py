import uuid

DEVICES = "/api/v1/devices"
REFRESH = "/api/v1/auth/refresh"
VILLAGE = "32.04.10.2001"


def bearer(token):
    """Authorization headers for a token."""
    return {"Authorization": f"Bearer {token}"}


def revoke(client, device_id, headers, **query):
    """POST a revoke; answers the response."""
    return client.post(f"{DEVICES}/{device_id}/revoke", query_string=query, headers=headers)


def code_of(response):
    """The error code of a response."""
    return response.get_json()["error"]["code"]


class Phone:
    """One account logged in on one device: its device id and tokens."""

    def __init__(self, accounts, phone, device_id=None):
        self.device_id = device_id or str(uuid.uuid4())
        self.tokens = accounts.login(phone, device_id=self.device_id)
        self.user_id = self.tokens["user"]["id"]
        self.headers = bearer(self.tokens["access_token"])

    def refresh(self, client):
        """POST /auth/refresh with this device's refresh token."""
        return client.post(REFRESH, headers=bearer(self.tokens["refresh_token"]))


def test_each_login_is_a_device_of_the_account(client, accounts):
    phone = accounts.make()
    first, second = Phone(accounts, phone), Phone(accounts, phone)
    listed = client.get(DEVICES, headers=first.headers).get_json()
    assert sorted(d["device_id"] for d in listed) == sorted([first.device_id, second.device_id])
    assert {d["user_id"] for d in listed} == {first.user_id}
    assert all(d["revoked_at"] is None and d["created_at"].endswith("Z") for d in listed)


def test_logging_in_again_on_a_device_keeps_one_device(client, accounts):
    phone = accounts.make()
    first = Phone(accounts, phone)
    Phone(accounts, phone, first.device_id)
    assert len(client.get(DEVICES, headers=first.headers).get_json()) == 1


def test_revoking_a_device_stops_its_tokens_at_once(client, accounts):
    phone = accounts.make(role="producer", regions=(VILLAGE,))
    lost, kept = Phone(accounts, phone), Phone(accounts, phone)
    response = revoke(client, lost.device_id, kept.headers)
    assert response.status_code == 200
    assert response.get_json()[0]["revoked_at"].endswith("Z")
    for refused in (client.get(DEVICES, headers=lost.headers), lost.refresh(client)):
        assert (refused.status_code, code_of(refused)) == (401, "device_revoked")
    assert client.get(DEVICES, headers=kept.headers).status_code == 200
    assert kept.refresh(client).status_code == 200


def test_access_tokens_refreshed_before_the_revocation_stop_too(client, accounts):
    device = Phone(accounts, accounts.make())
    fresh = device.refresh(client).get_json()["access_token"]
    revoke(client, device.device_id, device.headers)
    assert code_of(client.get(DEVICES, headers=bearer(fresh))) == "device_revoked"


def test_revoked_device_may_log_in_again_but_its_old_tokens_stay_dead(client, accounts):
    phone = accounts.make()
    old = Phone(accounts, phone)
    revoke(client, old.device_id, old.headers)
    new = Phone(accounts, phone, old.device_id)
    assert client.get(DEVICES, headers=new.headers).get_json()[0]["revoked_at"] is None
    assert client.get(DEVICES, headers=old.headers).status_code == 401
    assert old.refresh(client).status_code == 401


def test_admin_above_an_account_lists_and_revokes_its_devices(client, accounts):
    admin = accounts.headers()
    producer = Phone(accounts, accounts.make(role="producer", regions=(VILLAGE,)))
    listed = client.get(DEVICES, query_string={"user_id": producer.user_id}, headers=admin)
    assert [d["device_id"] for d in listed.get_json()] == [producer.device_id]
    assert revoke(client, producer.device_id, admin).status_code == 200
    assert client.get(DEVICES, headers=producer.headers).status_code == 401


def test_admin_revokes_the_device_of_the_named_account(client, accounts):
    admin = accounts.headers()
    shared = str(uuid.uuid4())  # one phone shared by two producers
    one = Phone(accounts, accounts.make(role="producer", regions=(VILLAGE,)), shared)
    two = Phone(accounts, accounts.make(role="producer", regions=(VILLAGE,)), shared)
    assert len(revoke(client, shared, admin, user_id=one.user_id).get_json()) == 1
    assert client.get(DEVICES, headers=one.headers).status_code == 401
    assert client.get(DEVICES, headers=two.headers).status_code == 200


def test_admin_of_other_regions_can_neither_list_nor_revoke(client, accounts):
    elsewhere = accounts.headers(regions=("32.73",))
    producer = Phone(accounts, accounts.make(role="producer", regions=(VILLAGE,)))
    listed = client.get(DEVICES, query_string={"user_id": producer.user_id}, headers=elsewhere)
    assert (listed.status_code, code_of(listed)) == (403, "forbidden")
    assert revoke(client, producer.device_id, elsewhere).status_code == 403
    assert client.get(DEVICES, headers=producer.headers).status_code == 200


def test_an_admin_can_neither_list_nor_revoke_a_peer_admins_devices(client, accounts):
    admin = accounts.headers()
    peer = Phone(accounts, accounts.make(role="admin", regions=("32.04",)))
    listed = client.get(DEVICES, query_string={"user_id": peer.user_id}, headers=admin)
    assert (listed.status_code, code_of(listed)) == (403, "forbidden")
    assert revoke(client, peer.device_id, admin).status_code == 403
    assert client.get(DEVICES, headers=peer.headers).status_code == 200


def test_a_province_admin_lists_and_revokes_a_kabupaten_admins_devices(client, accounts):
    province = accounts.headers(regions=("32",))
    admin = Phone(accounts, accounts.make(role="admin", regions=("32.04",)))
    listed = client.get(DEVICES, query_string={"user_id": admin.user_id}, headers=province)
    assert [d["device_id"] for d in listed.get_json()] == [admin.device_id]
    assert revoke(client, admin.device_id, province).status_code == 200
    assert client.get(DEVICES, headers=admin.headers).status_code == 401


def test_others_cannot_revoke_or_list_an_account_devices(client, accounts):
    owner = Phone(accounts, accounts.make(role="producer", regions=(VILLAGE,)))
    for role, regions in (("producer", (VILLAGE,)), ("facilitator", (VILLAGE,))):
        other = accounts.headers(role=role, regions=regions)
        assert revoke(client, owner.device_id, other).status_code == 403
        assert client.get(DEVICES, query_string={"user_id": owner.user_id}, headers=other).status_code == 403
    assert client.get(DEVICES, headers=owner.headers).status_code == 200


def test_unknown_device_or_account_is_a_404(client, accounts):
    admin = accounts.headers()
    assert code_of(revoke(client, str(uuid.uuid4()), admin)) == "not_found"
    missing = client.get(DEVICES, query_string={"user_id": str(uuid.uuid4())}, headers=admin)
    assert (missing.status_code, code_of(missing)) == (404, "not_found")


def test_malformed_user_id_is_a_400(client, accounts):
    response = client.get(DEVICES, query_string={"user_id": "42"}, headers=accounts.headers())
    assert (response.status_code, code_of(response)) == (400, "invalid_parameter")
