"""Claim codes: a facilitator at the hub gets a one-time code for a producer, and the producer's own
phone trades it for its tokens, signed by the hub, once."""

from datetime import timedelta

import jwt
import pytest
import schemathesis

from server.api.claim import ALPHABET
from server.engine.models import ClaimCode
from server.extensions import db
from sync.ids import device_session_id
from tests.helpers import new_id

from .test_enrolment import PULL, Kecamatan, bearer, code_of

CODES = "/api/v1/hub/claim-codes"
CLAIM = "/api/v1/hub/claim"


@pytest.fixture
def kecamatan(app, hub_app, accounts):
    return Kecamatan(app, hub_app, accounts)


def issue(kecamatan, headers=None, user_id=None):
    body = {"user_id": user_id or kecamatan.producer["user"]["id"]}
    return kecamatan.hub_app.test_client().post(CODES, json=body, headers=headers or kecamatan.facilitator)


def claim(kecamatan, code, device_id=None):
    return kecamatan.hub_app.test_client().post(CLAIM, json={"code": code, "device_id": device_id or new_id()})


def test_a_facilitator_gets_a_short_code_and_its_address_for_a_qr(kecamatan):
    answer = issue(kecamatan)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert len(body["code"]) == 8 and set(body["code"]) <= set(ALPHABET)
    assert body["url"] == f"http://localhost/#/claim/{body['code']}"
    with kecamatan.hub_app.app_context():
        (row,) = db.session.query(ClaimCode).all()
        assert body["code"] not in (row.code_hash, row.user_id)  # kept hashed only


def test_the_code_is_asked_for_by_the_phone_on_the_producers_record_too(kecamatan):
    phone = kecamatan.producer["user"]["phone"].replace("+62", "0")
    answer = kecamatan.hub_app.test_client().post(CODES, json={"phone": phone}, headers=kecamatan.facilitator)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["qr"].startswith("data:image/svg+xml")
    assert claim(kecamatan, answer.get_json()["code"]).get_json()["user"]["id"] == kecamatan.producer["user"]["id"]


@pytest.mark.parametrize("body", [{}, "both"])
def test_a_code_is_asked_for_by_account_or_phone_one_of_them(kecamatan, body):
    if body == "both":
        body = {"user_id": kecamatan.producer["user"]["id"], "phone": kecamatan.producer["user"]["phone"]}
    answer = kecamatan.hub_app.test_client().post(CODES, json=body, headers=kecamatan.facilitator)
    assert (answer.status_code, code_of(answer)) == (422, "validation_error")


def test_the_producers_phone_trades_the_code_for_its_tokens_signed_by_the_hub(kecamatan, client):
    code = issue(kecamatan).get_json()["code"]
    device_id = new_id()
    answer = claim(kecamatan, f"{code[:4].lower()}-{code[4:]}", device_id)  # as typed, in any case
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["user"]["id"] == kecamatan.producer["user"]["id"]
    assert jwt.get_unverified_header(body["access_token"])["kid"] == kecamatan.hub_id()
    claims = jwt.decode(body["refresh_token"], options={"verify_signature": False})
    assert (claims["dev"], claims["did"]) == (device_session_id(body["user"]["id"], device_id), device_id)
    assert kecamatan.hub_app.test_client().get(PULL, headers=bearer(body["access_token"])).status_code == 200
    assert client.get(PULL, headers=bearer(body["access_token"])).status_code == 200


def test_a_code_is_used_once(kecamatan):
    code = issue(kecamatan).get_json()["code"]
    assert claim(kecamatan, code).status_code == 200
    again = claim(kecamatan, code)
    assert (again.status_code, code_of(again)) == (404, "claim_code_invalid")
    assert again.get_json()["error"]["message"].startswith("Kode ini salah, sudah dipakai")


def test_a_code_past_its_minutes_enrols_nothing(kecamatan):
    code = issue(kecamatan).get_json()["code"]
    with kecamatan.hub_app.app_context():
        row = db.session.query(ClaimCode).one()
        row.expires_at -= timedelta(minutes=kecamatan.hub_app.config["CLAIM_CODE_MINUTES"])
        db.session.commit()
    answer = claim(kecamatan, code)
    assert (answer.status_code, code_of(answer)) == (404, "claim_code_invalid")


def test_wrong_codes_from_one_address_are_limited_and_then_even_the_right_one_waits(kecamatan):
    code = issue(kecamatan).get_json()["code"]
    for _ in range(kecamatan.hub_app.config["CLAIM_FAILURES_PER_ADDRESS"]):
        assert code_of(claim(kecamatan, "AAAAAAAA")) == "claim_code_invalid"
    answer = claim(kecamatan, code)
    assert (answer.status_code, code_of(answer)) == (429, "too_many_codes")
    assert int(answer.headers["Retry-After"]) > 0


@pytest.mark.parametrize("role, region", [("producer", "32.04.10.2001"), ("facilitator", "32.04.10.2002")])
def test_only_a_facilitator_or_admin_of_the_producers_desa_gets_a_code(kecamatan, role, region):
    headers = kecamatan.login(role, region)
    kecamatan.cycle()
    answer = issue(kecamatan, headers)
    assert (answer.status_code, code_of(answer)) == (403, "forbidden")


def test_a_code_is_for_a_producer_the_hub_holds(kecamatan):
    answer = issue(kecamatan, user_id=new_id())
    assert (answer.status_code, code_of(answer)) == (404, "account_not_at_hub")


def test_the_regional_server_gives_and_takes_no_code(kecamatan, client, accounts):
    facilitator = accounts.headers(role="facilitator", regions=("32.04.10.2001",))
    answer = client.post(CODES, json={"user_id": kecamatan.producer["user"]["id"]}, headers=facilitator)
    assert (answer.status_code, code_of(answer)) == (404, "not_a_hub")
    answer = client.post(CLAIM, json={"code": "ABCDEFGH", "device_id": new_id()})
    assert (answer.status_code, code_of(answer)) == (404, "not_a_hub")


def test_both_answers_keep_to_the_hubs_openapi_document(kecamatan):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", kecamatan.hub_app)
    headers = {**kecamatan.facilitator, "Accept-Encoding": "identity"}
    issued = api[CODES]["POST"].Case(body={"user_id": kecamatan.producer["user"]["id"]})
    code = issued.call_and_validate(headers=headers).json()["code"]
    claimed = api[CLAIM]["POST"].Case(body={"code": code, "device_id": new_id()})
    assert claimed.call_and_validate(headers={"Accept-Encoding": "identity"}).status_code == 200
