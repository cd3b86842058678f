"""gunicorn.conf.py: what each web worker does once it has loaded the app; no start on weak secrets."""

import gc
import os
import runpy
import secrets
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path
from types import SimpleNamespace

import pytest

from server.config import DEV_SECRET, serving_secrets_problem
from server.hub.certificate import make_certificate
from server.secrets_file import ensure_secrets_file
from tests.conftest import TEST_SIGNING_KEY

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "gunicorn.conf.py"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
STRONG = secrets.token_urlsafe(48)
SECRET_SETTINGS = (
    "SECRET_KEY",
    "CURSOR_SECRET_KEY",
    "JWT_SECRET_KEY",
    "JWT_PRIVATE_KEY",
    "JWT_PRIVATE_KEY_FILE",
    "LUMBUNG_ENV",
)


@pytest.fixture(autouse=True)
def strong_secrets(monkeypatch):
    """Secrets that let gunicorn.conf.py load."""
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("JWT_PRIVATE_KEY", TEST_SIGNING_KEY)


def gunicorn_env(tmp_path, **secret_values):
    """An environment without Lumbung's secrets, signing key and LUMBUNG_ENV, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_SETTINGS}
    port = _free_port()
    env.update(INSTANCE_PATH=str(tmp_path), HOST="127.0.0.1", PORT=str(port), ACCESS_LOG="", WEB_CONCURRENCY="1")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'lumbung.db'}"
    return {**env, **secret_values}, port


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "secret_values, message",
    [
        ({}, "at least 32 characters"),
        ({"SECRET_KEY": DEV_SECRET, "JWT_PRIVATE_KEY": TEST_SIGNING_KEY}, "at least 32 characters"),
        ({"SECRET_KEY": "x" * 31, "JWT_PRIVATE_KEY": TEST_SIGNING_KEY}, "at least 32 characters"),
        ({"SECRET_KEY": STRONG}, "JWT_PRIVATE_KEY (an Ed25519 private key in PEM)"),
    ],
)
@pytest.mark.parametrize("env_name", [None, "development"])
def test_default_secrets_in_a_default_deploy_stop_gunicorn_with_a_clear_message(
    tmp_path, secret_values, message, env_name
):
    env, _ = gunicorn_env(tmp_path, **secret_values)
    if env_name:
        env["LUMBUNG_ENV"] = env_name
    command = [str(GUNICORN), "-c", str(CONF), "server:create_app()"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=120)  # a margin: it stops as it reads its settings
    finally:
        proc.kill()
    assert proc.returncode != 0
    assert "Lumbung will not start" in err and message in err


def test_the_key_file_in_the_instance_folder_is_a_signing_key_to_serve_with(tmp_path):
    env = {"SECRET_KEY": STRONG, "INSTANCE_PATH": str(tmp_path)}
    assert "JWT_PRIVATE_KEY" in serving_secrets_problem(env)
    ensure_secrets_file(tmp_path)
    assert serving_secrets_problem(env) is None


def test_a_short_cursor_secret_stops_gunicorn(tmp_path):
    env = {"SECRET_KEY": STRONG, "JWT_PRIVATE_KEY": TEST_SIGNING_KEY, "INSTANCE_PATH": str(tmp_path)}
    assert serving_secrets_problem(env) is None
    assert serving_secrets_problem({**env, "JWT_SECRET_KEY": "x" * 31}).startswith("CURSOR_SECRET_KEY must be")
    assert serving_secrets_problem({**env, "JWT_SECRET_KEY": "x" * 32}) is None


def test_gunicorn_serves_with_good_secrets(tmp_path):
    env, port = gunicorn_env(tmp_path, SECRET_KEY=STRONG, JWT_PRIVATE_KEY=TEST_SIGNING_KEY)
    command = [str(GUNICORN), "-c", str(CONF), "server:create_app()"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer"
            with suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json") as answer:
                assert answer.status == 200
                break
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(30)


def test_gunicorn_serves_https_with_the_hubs_certificate_to_those_who_trust_its_authority(tmp_path):
    authority, cert, key = make_certificate(tmp_path / "tls", ["lumbung-hub.test", "127.0.0.1"])
    env, port = gunicorn_env(tmp_path, SECRET_KEY=STRONG, JWT_PRIVATE_KEY=TEST_SIGNING_KEY)
    env.update(LUMBUNG_TLS_CERT=str(cert), LUMBUNG_TLS_KEY=str(key))
    command = [str(GUNICORN), "-c", str(CONF), "server:create_app()"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trusting = ssl.create_default_context(cafile=str(authority))  # checks the name, and the constraints
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer"
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=trusting) as page:
                    assert page.status == 200
                    break
            except urllib.error.URLError as refused:
                assert isinstance(refused.reason, ConnectionRefusedError), refused  # not started yet
            time.sleep(0.1)
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=ssl.create_default_context())
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_worker_freezes_what_the_loaded_app_holds_and_collects_young_objects_rarely():
    threshold = gc.get_threshold()
    hooks = runpy.run_path(str(CONF))
    try:
        gc.unfreeze()
        hooks["post_worker_init"](SimpleNamespace(wsgi=object()))  # no app: no checkpoint thread
        # Everything alive at that moment (here: the test run itself) is left out of collections.
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] >= 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_web_workers_are_gunicorn_threads_answering_refusals_in_the_error_shape():
    settings = runpy.run_path(str(CONF))
    assert settings["worker_class"] == "server.web.worker.JsonErrorThreadWorker"
    assert settings["threads"] >= 2  # a slow client does not hold a whole worker
