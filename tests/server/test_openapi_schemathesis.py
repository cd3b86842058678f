"""Schemathesis against the app: generated requests, valid and invalid, sent as an admin, a
facilitator, a producer and with no token, never answer 5xx, and every answer keeps to GET /api/v1/openapi.json
(its status is documented, its content type and body match the document, its headers too).
Invalid requests are not checked for being refused: the API ignores query parameters and fields
it does not know, as the contract lets clients send more than a server reads.

The app is one for the whole module, on the run's engine, holding records of each kind; a drawn
path id is now and then replaced by a real one, so that requests reach records, not only 404s.
The number of examples per operation is bounded (EXAMPLES) to keep the run near a minute.
"""

import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app
from server.extensions import db
from tests.conftest import ENGINE, PG_URL, Accounts, _empty_pg_tables, base_config
from tests.helpers import VILLAGE, Device, movement_fields, new_id, producer_fields, product_fields

# Per operation, each sent once per caller; SCHEMATHESIS_EXAMPLES=500 for a long hunt by hand.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
CASES = []  # (operation, status) of every request sent, counted for the report at the end


@pytest.fixture(scope="module")
def fuzz_app(template_db, tmp_path_factory):
    """One app for the module, on a database of the run's engine holding the test regions."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    if ENGINE == "postgresql":
        application = create_app(base_config(tmp, PG_URL))
        with application.app_context():
            _empty_pg_tables()
    else:
        shutil.copy(template_db, tmp / "lumbung.db")
        application = create_app(base_config(tmp, f"sqlite:///{tmp / 'lumbung.db'}"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(fuzz_app):
    """Accounts of each role, and records of each kind for their requests to reach."""
    client = fuzz_app.test_client()
    accounts = Accounts(fuzz_app, client)
    admin = Device(client, accounts.headers(role="admin", regions=("32.04",)))
    facilitator = Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))
    producer = Device(client, accounts.headers(role="producer", regions=(VILLAGE,), phone="+6281299990000"))
    photo = _photo()
    sha = hashlib.sha256(photo).hexdigest()
    stored = client.put(
        f"/api/v1/blobs/{sha}", data=photo, headers={**facilitator.headers, "Content-Type": "image/png"}
    )
    assert stored.status_code == 201, stored.get_json()
    producer_id, approved, submitted = new_id(), new_id(), new_id()
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields(phone="+6281299990000", nib="1234567890123")),
        facilitator.op("product", approved, product_fields(producer_id, unit_weight_kg="1", photos=[sha])),
        facilitator.op("product", submitted, product_fields(producer_id, status="submitted", price_idr=50000)),
        facilitator.op("stock_movement", new_id(), movement_fields(approved, qty="500")),
        facilitator.op("stock_movement", new_id(), movement_fields(submitted, qty="20")),
    )
    admin.push(admin.op("review", new_id(), {"product_id": approved, "decision": "approved"}))
    assert client.put(f"/api/v1/products/{approved}/featured", headers=admin.headers).status_code == 201
    plan = {"category": "coffee", "region": "32.04", "port": "Tanjung Priok", "date": "2026-12-05"}
    plan_id = client.post("/api/v1/consolidations", json=plan, headers=admin.headers).get_json()["id"]
    roles = {"admin": admin, "facilitator": facilitator, "producer": producer}
    ids = {
        "product_id": [approved, submitted],
        "plan_id": [plan_id],
        "user_id": [device.headers.user["id"] for device in roles.values()],
        "device_id": [device.device_id for device in roles.values()],
        "code": ["32", "32.04", "32.04.10", VILLAGE],
        "sha256": [sha],
    }
    headers = {role: dict(device.headers) for role, device in roles.items()}
    return {"headers": {**headers, "signed out": {}}, "ids": ids}


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (180, 120, 60)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    """The app's own OpenAPI document, loaded by Schemathesis to call the app in-process."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)


def _operation_labels():
    """The "METHOD /path" of every operation in the document, read from an app without a database."""
    app = create_app(base_config(Path(tempfile.gettempdir()), "sqlite://"))
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    return [f"{method.upper()} {path}" for path, item in paths.items() for method in item if method != "parameters"]


@pytest.mark.parametrize("label", _operation_labels())
def test_every_answer_keeps_to_the_openapi_document(api_schema, world, label):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    valid = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    invalid = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)

    @given(data=st.data())
    # The same cases on every run (derandomize), so that CI is repeatable; no health checks, as
    # generating large bodies on a busy machine is slow and the example count bounds the run.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(data):
        negative = data.draw(st.booleans(), label="invalid")
        case = data.draw(invalid if negative else valid, label="case")
        for name, known in world["ids"].items():
            # Only a valid case's ids: an invalid one's may be what makes it invalid.
            if not negative and name in (case.path_parameters or {}) and data.draw(st.booleans(), label=name):
                case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
        for headers in world["headers"].values():
            # The test client does not inflate gzip: ask for plain answers.
            response = case.call_and_validate(headers={**headers, "Accept-Encoding": "identity"}, checks=CHECKS)
            CASES.append((label, response.status_code))

    run()


def test_the_happy_paths_keep_to_the_document(app, client, accounts):
    """Requests that succeed, for the operations whose generated requests rarely do: their 2xx
    answers (and a rejected op's result) are checked against the document like any other."""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    admin = Device(client, accounts.headers(role="admin", regions=("32.04",)))
    facilitator = Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))
    producer_id, product_id = new_id(), new_id()

    def check(method, path, headers, status, **parts):
        case = api[path][method].Case(**parts)
        response = case.call_and_validate(headers={**headers, "Accept-Encoding": "identity"}, checks=CHECKS)
        assert response.status_code == status, (method, path, response.text[:500])
        return response.json() if status != 204 and "json" in response.headers.get("content-type", [""])[0] else None

    phone = accounts.make(role="producer", regions=(VILLAGE,), phone="+6281299990001")
    login = {"phone": phone, "pin": "246810", "device_id": new_id()}
    tokens = check("POST", "/api/v1/auth/login", {}, 200, body=login)
    check("POST", "/api/v1/auth/refresh", {"Authorization": "Bearer " + tokens["refresh_token"]}, 200)
    new_user = {"phone": "081299990002", "pin": "135792", "name": "Ibu Sari", "role": "facilitator"}
    user = check("POST", "/api/v1/users", admin.headers, 201, body={**new_user, "regions": ["32.04.10"]})
    check("PATCH", "/api/v1/users/{user_id}", admin.headers, 200, path_parameters={"user_id": user["id"]},
          body={"name": "Ibu Sari W."})  # fmt: skip
    ops = [
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id, unit_weight_kg="1")),
        facilitator.op("stock_movement", new_id(), movement_fields(product_id, qty="800")),
        {"op_id": 7, "entity": "product"},
    ]
    push = {"device_id": facilitator.device_id, "ops": ops}
    results = check("POST", "/api/v1/sync/push", facilitator.headers, 200, body=push)["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "applied", "rejected"]
    decisions = {"decisions": [{"product_id": product_id, "decision": "approved"}]}
    check("POST", "/api/v1/reviews", admin.headers, 200, body=decisions)
    check(
        "PUT", "/api/v1/products/{product_id}/featured", admin.headers, 201, path_parameters={"product_id": product_id}
    )
    check("DELETE", "/api/v1/products/{product_id}/featured", admin.headers, 204,
          path_parameters={"product_id": product_id})  # fmt: skip
    plan = {
        "category": "coffee",
        "region": "32.04",
        "port": "Tanjung Priok",
        "date": "2026-12-05",
        "capacity_kg": "300",
    }
    plan = check("POST", "/api/v1/consolidations", admin.headers, 201, body=plan)
    line = {"line_id": plan["lines"][0]["id"], "qty": "200"}
    plan_id = {"plan_id": plan["id"]}
    check("PATCH", "/api/v1/consolidations/{plan_id}/lines", admin.headers, 200, path_parameters=plan_id,
          body={"lines": [line]})  # fmt: skip
    for suffix in ("/manifest.html", "/manifest.csv", "/ship"):
        method = "POST" if suffix == "/ship" else "GET"
        check(method, "/api/v1/consolidations/{plan_id}" + suffix, admin.headers, 200, path_parameters=plan_id)
    other = check("POST", "/api/v1/consolidations", admin.headers, 201, body=PLAN_AGAIN)
    check(
        "POST", "/api/v1/consolidations/{plan_id}/cancel", admin.headers, 200, path_parameters={"plan_id": other["id"]}
    )
    photo = _photo()
    sha = {"sha256": hashlib.sha256(photo).hexdigest()}
    png = {"path_parameters": sha, "body": photo, "media_type": "image/png"}
    check("PUT", "/api/v1/blobs/{sha256}", facilitator.headers, 201, **png)
    check("PUT", "/api/v1/blobs/{sha256}", facilitator.headers, 200, **png)
    check("HEAD", "/api/v1/blobs/{sha256}", facilitator.headers, 200, path_parameters=sha)
    check("GET", "/api/v1/blobs/{sha256}", facilitator.headers, 200, path_parameters=sha, query={"size": "thumb"})
    hub = accounts.headers(role="hub", regions=("32.04.10",))
    key = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    check("PUT", "/api/v1/hub/key", hub, 200, body={"public_key": key})
    own_device = {"device_id": login["device_id"]}
    check("POST", "/api/v1/devices/{device_id}/revoke", {"Authorization": "Bearer " + tokens["access_token"]}, 200,
          path_parameters=own_device)  # fmt: skip


PLAN_AGAIN = {
    "category": "coffee",
    "region": "32.04",
    "port": "Tanjung Priok",
    "date": "2026-12-06",
    "capacity_kg": "50",
}


def test_schemathesis_sent_requests_to_every_operation():
    """Runs after the tests above (pytest keeps file order): tells how many requests they sent."""
    labels = _operation_labels()
    if not CASES:
        pytest.skip("the Schemathesis tests did not run in this session")
    answered = {label for label, _ in CASES}
    succeeded = {label for label, status in CASES if status < 300}
    print(f"\nSchemathesis: {len(CASES)} requests over {len(answered)} of {len(labels)} operations,")
    print(f"{sum(status < 300 for _, status in CASES)} answered 2xx, on {len(succeeded)} operations")
    print("no 2xx (see test_the_happy_paths_keep_to_the_document):", sorted(answered - succeeded))
    assert answered == set(labels)
