import logging
import re
import uuid
from pathlib import Path

import pytest
from marshmallow import Schema, fields

import server
from server import create_app
from server.extensions import db
from server.web.errors import HTTP_CODES, ApiError
from server.web.messages import FIELD_MESSAGES, MESSAGES
from server.web.schemas import CalendarDate
from tests.conftest import ENGINE, Accounts, base_config

EN = {"Accept-Language": "en"}
LOGIN = "/api/v1/auth/login"


def error_of(response, status):
    """The error object of a response, after checking its status and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def test_every_message_exists_in_both_languages():
    for pair in (*MESSAGES.values(), *FIELD_MESSAGES.values()):
        indonesian, english = pair
        assert indonesian and english and indonesian != english


def codes_in_source(pattern):
    """The error codes that server/*.py passes where the pattern matches."""
    source = "\n".join(path.read_text() for path in Path(server.__file__).parent.rglob("*.py"))
    return set(re.findall(pattern, source))


def test_every_error_code_the_server_raises_has_a_message():
    raised = codes_in_source(r'(?:ApiError|error_response|OpError)\(\s*(?:\d+,\s*)?"(\w+)"')
    assert raised and raised | set(HTTP_CODES.values()) <= set(MESSAGES)


def test_every_field_code_the_server_raises_has_a_message():
    raised = codes_in_source(r'ValidationError\("(\w+)"') | codes_in_source(r'_error\(\{"\w+": \("(\w+)"')
    assert raised and raised <= set(FIELD_MESSAGES)


def test_not_found_in_indonesian_by_default(client):
    error = error_of(client.get("/api/v1/nothing-here"), 404)
    assert error == {"code": "not_found", "message": "Tidak ditemukan.", "details": {}}


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9", "fr;q=1.0, en;q=0.5"])
def test_english_with_accept_language(client, header):
    error = error_of(client.get("/api/v1/nothing-here", headers={"Accept-Language": header}), 404)
    assert error["message"] == "Not found."


def test_unsupported_language_falls_back_to_indonesian(client):
    assert error_of(client.get("/api/v1/nothing-here", headers={"Accept-Language": "fr"}), 404)["message"] == (
        "Tidak ditemukan."
    )


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.get(LOGIN, headers=EN)
    error = error_of(response, 405)
    assert (error["code"], error["message"]) == ("method_not_allowed", "Method not allowed.")
    assert "POST" in response.headers["Allow"]


def test_payload_too_large(client):
    response = client.post(LOGIN, data=b"x" * (2 * 1024 * 1024 + 1), content_type="application/json")
    assert error_of(response, 413)["code"] == "payload_too_large"


@pytest.mark.parametrize("body", [b"{not json", b'{"phone": "0812', b"\xff\xfe"])
def test_invalid_json_is_a_400(client, body):
    error = error_of(client.post(LOGIN, data=body, content_type="application/json"), 400)
    assert (error["code"], error["message"]) == ("invalid_json", "Isi permintaan bukan JSON yang benar.")


def test_validation_error_names_each_field(client):
    response = client.post(LOGIN, json={"phone": "12", "pin": "1234"}, headers=EN)
    error = error_of(response, 422)
    assert (error["code"], error["message"]) == ("validation_error", "Some data is not valid.")
    fields = error["details"]["fields"]
    assert {name: f["code"] for name, f in fields.items()} == {
        "phone": "invalid_phone",
        "pin": "invalid_pin",
        "device_id": "required",
    }
    assert fields["pin"]["message"] == "The PIN must be 6 digits."


def test_field_messages_follow_the_language(client):
    fields = error_of(client.post(LOGIN, json={"phone": "0812"}), 422)["details"]["fields"]
    assert fields["pin"]["message"] == "Wajib diisi."


def test_a_body_that_is_not_an_object_is_a_validation_error(client):
    assert error_of(client.post(LOGIN, json=[1, 2]), 422)["code"] == "validation_error"


def test_bad_query_parameter_is_a_400(client, accounts):
    error = error_of(client.get("/api/v1/regions?parent=not-a-code", headers=accounts.headers()), 400)
    assert error["code"] == "invalid_parameter"
    assert "parent" in error["details"]["fields"]


def test_unexpected_exception_is_a_500_without_traceback(app, client, caplog):
    def boom():
        raise RuntimeError("secret internals at /srv/lumbung")

    app.add_url_rule("/api/v1/test-boom", "boom", boom)
    with caplog.at_level(logging.ERROR, logger="server.web.errors"):
        response = client.get("/api/v1/test-boom", headers=EN)
    error = error_of(response, 500)
    assert error["code"] == "internal_error"
    assert error["message"].startswith("Something went wrong")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text and "RuntimeError" not in text
    assert "secret internals" in caplog.text  # logged for the operator instead


def test_api_error_carries_status_details_and_headers(app, client):
    def limited():
        raise ApiError(429, "rate_limited", {"retry_after": 5}, {"Retry-After": "5"})

    app.add_url_rule("/api/v1/test-limited", "limited", limited)
    response = client.get("/api/v1/test-limited")
    error = error_of(response, 429)
    assert error == {
        "code": "rate_limited",
        "message": "Terlalu banyak permintaan. Coba lagi nanti.",
        "details": {"retry_after": 5},
    }
    assert response.headers["Retry-After"] == "5"


def test_missing_token_in_both_languages(client):
    assert error_of(client.get("/api/v1/devices"), 401)["message"] == "Silakan masuk terlebih dahulu."
    assert error_of(client.get("/api/v1/devices", headers=EN), 401)["message"] == "Please log in first."


@pytest.mark.parametrize("lang, index", [({}, 0), (EN, 1)])
def test_account_errors_follow_the_language(app, client, accounts, lang, index):
    app.config["LOGIN_FAILURES_PER_PHONE"] = 1
    producer = {**accounts.headers(role="producer", regions=("32.04.10.2001",)), **lang}
    admin = {**accounts.headers(), **lang}
    taken = {"phone": accounts.make(), "pin": "135790", "name": "X", "role": "producer", "regions": ["32.04.10.2001"]}
    wrong_pin = {"phone": "081299990001", "pin": "000000", "device_id": "00000000-0000-4000-8000-000000000000"}
    answers = [
        client.post(LOGIN, json=wrong_pin, headers=lang),
        client.post(LOGIN, json=wrong_pin, headers=lang),
        client.get("/api/v1/users", headers=producer),
        client.post("/api/v1/users", json=taken, headers=admin),
    ]
    for response, status, code in zip(
        answers,
        (401, 429, 403, 409),
        ("invalid_credentials", "too_many_attempts", "forbidden", "phone_taken"),
        strict=True,
    ):
        assert error_of(response, status) == {
            "code": code,
            "message": MESSAGES[code][index],
            "details": response.get_json()["error"]["details"],
        }


def test_a_locked_sqlite_database_is_503_with_retry_after(tmp_path, template_db, accounts):
    """A writer holds the database lock longer than the busy timeout: the push answers 503, not 500."""
    if ENGINE != "sqlite":
        pytest.skip("PostgreSQL writers wait on row locks; there is no database-wide lock to hold")
    import shutil
    import sqlite3

    path = tmp_path / "locked.db"
    shutil.copy(template_db, path)
    app = create_app({**base_config(tmp_path, f"sqlite:///{path}"), "SQLITE_BUSY_TIMEOUT_MS": 200})
    client = app.test_client()
    headers = Accounts(app, client).headers()
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")  # another process, mid-write
    try:
        response = client.post("/api/v1/sync/push", json={"device_id": str(uuid.uuid4()), "ops": []}, headers=headers)
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.get_json()["error"]["code"] == "service_unavailable"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- JSON depth (SYNC-CONTRACT 1.1: a body nests at most 32 levels) ------------------------------


def nested(levels):
    """A JSON body of `levels` arrays and objects, one inside the other, around a 1."""
    opening = "".join("[" if i % 2 == 0 else '{"a": ' for i in range(levels))
    closing = "".join("]" if i % 2 == 0 else "}" for i in reversed(range(levels)))
    return opening + "1" + closing


def body_routes(app):
    """(method, path) of every route that takes a body, its path parameters filled in."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            yield method, re.sub(r"<(?:\w+:)?\w+>", "0" * 64 if "blobs" in rule.rule else str(uuid.uuid4()), rule.rule)


def send(client, method, path, body, headers=None):
    return client.open(path, method=method, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def admin_headers(accounts):
    return accounts.headers(role="admin", regions=("32.04",))


def test_every_body_route_is_tested(app):
    routes = {path.split("/")[3] for _, path in body_routes(app)}
    assert {"auth", "users", "reviews", "consolidations", "sync", "blobs", "devices", "products"} <= routes


def test_deeply_nested_json_is_400_not_500(app, client, admin_headers):
    body = "[" * 100_000 + "]" * 100_000
    for method, path in body_routes(app):
        for headers in (None, admin_headers):  # before login too
            error = error_of(send(client, method, path, body, headers), 400)
            assert error["code"] == "invalid_json", (method, path)


def test_json_nested_33_levels_is_invalid_json_on_every_endpoint(app, client, admin_headers):
    for method, path in body_routes(app):
        for headers in (None, admin_headers):
            error = error_of(send(client, method, path, nested(33), {**(headers or {}), **EN}), 400)
            assert error == {
                "code": "invalid_json",
                "message": "The request body is not valid JSON.",
                "details": {"max_depth": 32},
            }, (method, path)


def test_json_nested_32_levels_is_read_on_every_endpoint(app, client, admin_headers):
    for method, path in body_routes(app):
        response = send(client, method, path, nested(32), admin_headers)
        assert response.status_code < 500, (method, path, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] != "invalid_json", (method, path)


def test_json_nested_32_levels_reaches_the_fields_check(client):
    fields = error_of(client.post(LOGIN, data='{"phone": ' + nested(31) + "}", content_type="application/json"), 422)
    assert fields["details"]["fields"]["phone"]["code"] == "invalid_phone"


# -- dates (SYNC-CONTRACT 1.1: in the years 2000 to 2100) -----------------------------------------


def test_every_date_the_api_reads_is_a_calendar_date_of_2000_to_2100(app):
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    schemas = [cls for cls in subclasses(Schema) if cls.__module__.startswith("server.")]
    date_fields = [
        (cls.__name__, name, field)
        for cls in schemas
        for name, field in cls().fields.items()
        if isinstance(field, fields.Date | fields.DateTime) and not field.dump_only
    ]
    assert {(cls, name) for cls, name, _ in date_fields} >= {("AsOfArgs", "as_of"), ("ProposeSchema", "date")}
    assert [(cls, name) for cls, name, field in date_fields if not isinstance(field, CalendarDate)] == []
