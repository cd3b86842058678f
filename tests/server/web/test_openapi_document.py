"""GET /api/v1/openapi.json tells the truth about errors, path ids and the shapes on the wire."""

import pytest

from tests.helpers import new_id

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
def document(client):
    """The app's OpenAPI document, with component responses resolved."""
    return client.get("/api/v1/openapi.json").get_json()


def operations(document):
    """(label, operation) for every operation of the document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield f"{method.upper()} {path}", operation


def resolved(document, response):
    """A response, or the component response it refers to."""
    ref = response.get("$ref")
    return document["components"]["responses"][ref.rsplit("/", 1)[1]] if ref else response


def test_openapi_document_lies_no_more_every_error_has_our_shape(document):
    error = document["components"]["schemas"]["Error"]
    detail = document["components"]["schemas"][error["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert error["required"] == ["error"]
    assert set(detail["required"]) == {"code", "message", "details"}
    for label, operation in operations(document):
        assert "default" not in operation["responses"], label
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                content = resolved(document, response)["content"]
                assert content == {"application/json": {"schema": {"$ref": ERROR_REF}}}, (label, status)


# The public keys, a hub's certificate authority, and the claim of a phone set-up code (the phone
# has no token yet: the code is its credential).
PUBLIC = ("GET /api/v1/keys", "GET /api/v1/hub/ca.crt", "POST /api/v1/hub/claim")


def test_openapi_every_authenticated_operation_answers_401_and_503(document):
    for label, operation in operations(document):
        statuses = set(operation["responses"])
        assert "503" in statuses, label
        if label in PUBLIC:  # refuses nobody for want of a token
            assert "security" not in operation and "401" not in statuses, label
            continue
        if label == "GET /api/v1/blobs/{sha256}":  # a signed photo link needs no token
            assert operation["security"] == [{"bearer": []}, {}]
        elif label != "POST /api/v1/auth/login":
            assert operation["security"] == [{"bearer": []}], label
        assert "401" in statuses, label  # login answers 401 invalid_credentials


def test_openapi_keys_are_a_jwks(document):
    answer = document["paths"]["/api/v1/keys"]["get"]["responses"]["200"]["content"]["application/json"]
    jwks = document["components"]["schemas"][answer["schema"]["$ref"].rsplit("/", 1)[1]]
    jwk = document["components"]["schemas"][jwks["properties"]["keys"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(jwk["required"]) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert jwk["properties"]["alg"]["enum"] == ["EdDSA"]


def test_openapi_feed_json_is_an_array_of_records_not_a_string(document):
    content = document["paths"]["/api/v1/exports/feed.json"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["type"] == "array"
    assert content["application/json"]["schema"]["items"]["properties"]["@type"]["enum"] == ["Product"]
    assert "application/x-ndjson" in content
    xlsx = document["paths"]["/api/v1/exports/products.xlsx"]["get"]["responses"]["200"]["content"]
    assert xlsx["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]["schema"]["format"] == "binary"


def test_openapi_push_result_op_id_is_nullable(document):
    result = document["components"]["schemas"]["Result"]["properties"]
    assert result["op_id"]["nullable"] is True
    assert result["error"]["allOf"] == [{"$ref": "#/components/schemas/ErrorDetail"}]


def test_openapi_ids_in_paths_and_parameters_carry_their_patterns(document):
    paths = document["paths"]
    user_id = paths["/api/v1/users/{user_id}"]["parameters"][0]["schema"]
    assert user_id["pattern"].startswith("^[0-9a-f]{8}-")
    assert paths["/api/v1/regions/{code}"]["parameters"][0]["schema"]["pattern"].startswith("^[0-9]{2}")
    assert paths["/api/v1/blobs/{sha256}"]["parameters"][0]["schema"]["pattern"] == "^[0-9a-f]{64}$"
    query = {p["name"]: p["schema"] for p in paths["/api/v1/conflicts"]["get"]["parameters"]}
    assert query["entity_id"]["pattern"] == user_id["pattern"]
    hlc = document["components"]["schemas"]["Op"]["properties"]["hlc"]
    assert hlc["pattern"] == "^([0-9]{16}):([0-9a-f]{4}):([A-Za-z0-9._-]{1,64})$"
    status = {p["name"]: p["schema"] for p in paths["/api/v1/dashboards/stock"]["get"]["parameters"]}["status"]
    assert "approved" in status["enum"]


def test_non_uuid_ids_in_paths_are_404_in_the_error_shape(client, accounts):
    headers = accounts.headers(role="admin", regions=("32.04",))
    for path in ("/api/v1/users/nope", "/api/v1/consolidations/nope", "/api/v1/products/NOPE/readiness"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


def test_push_results_op_id_is_the_text_sent_or_null(client, accounts):
    headers = accounts.headers(role="facilitator", regions=("32.04.10",))
    ops = [{"op_id": 123, "entity": "product"}, {"entity": "product"}, {"op_id": "not-a-uuid"}]
    response = client.post("/api/v1/sync/push", json={"device_id": new_id(), "ops": ops}, headers=headers)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["op_id"] for r in results] == [None, None, "not-a-uuid"]
    assert {r["status"] for r in results} == {"rejected"}
