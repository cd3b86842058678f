"""Browser tests: Debian's Chromium driven by Playwright against a real gunicorn server.

Each test gets a server of its own on a fresh database of the engine DATABASE_URL picks: an
SQLite file copied from a template, or a PostgreSQL schema of this run emptied between tests.
The database is made the way an operator makes one: `flask db upgrade`, `flask regions import
--only 32.04`, `flask user create`.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from server.secrets_file import random_secrets

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# gunicorn refuses to serve on default or short secrets (gunicorn.conf.py): random ones, one set a run.
SERVE_SECRETS = random_secrets()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
BASE_URL = os.environ.get("DATABASE_URL", "")
ENGINE = "postgresql" if BASE_URL.startswith("postgres") else "sqlite"
PG_SCHEMA = f"lumbung_browser_{os.getpid()}"
KEEP_TABLES = ("regions", "alembic_version")
PIN = "246810"
expect.set_options(timeout=30_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _pg_url():
    separator = "&" if "?" in BASE_URL else "?"
    return f"{BASE_URL}{separator}options=-csearch_path%3D{PG_SCHEMA}"


def base_env(instance, database_url):
    """The environment of the CLI and the server: a test instance, cheap PIN hashes, quiet logs."""
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "LUMBUNG_ENV": "test",
        "PIN_HASH_TIME_COST": "1",
        "PIN_HASH_MEMORY_KIB": "1024",
        "ACCESS_LOG": "",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "FLASK_APP": "server",
        **SERVE_SECRETS,
    }
    env.pop("PWA_VERSION_TAG", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def flask(env, *args):
    """Run `flask --app server ...` as an operator would."""
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "server", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def pwa_built():
    """The built PWA (scripts/setup builds it; a bare pytest run builds it here when missing)."""
    if not (ROOT / "pwa" / "dist" / "index.html").exists():
        subprocess.run(["node", "pwa/build.mjs"], cwd=ROOT, check=True)
    return ROOT / "pwa" / "dist"


@pytest.fixture(scope="session")
def template(tmp_path_factory, pwa_built):
    """A migrated database with the regions of Kab. Bandung: an SQLite file, or a PostgreSQL schema."""
    instance = tmp_path_factory.mktemp("browser-template")
    if ENGINE == "postgresql":
        from sqlalchemy import create_engine, make_url, text

        engine = create_engine(make_url(BASE_URL).set(drivername="postgresql+psycopg"))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        env = base_env(instance, _pg_url())
        flask(env, "db", "upgrade")
        flask(env, "regions", "import", "--only", "32.04")
        yield {"engine": engine}
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        engine.dispose()
        return
    env = base_env(instance, None)
    flask(env, "db", "upgrade")
    flask(env, "regions", "import", "--only", "32.04")
    yield {"file": instance / "lumbung.db"}


def _empty_pg_schema(engine):
    from sqlalchemy import text

    with engine.begin() as conn:
        rows = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": PG_SCHEMA}
        ).all()
        tables = [f"{PG_SCHEMA}.{name}" for (name,) in rows if name not in KEEP_TABLES]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text(f"INSERT INTO {PG_SCHEMA}.sync_state (id, seq, hlc) VALUES (1, 0, '')"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn serving the app (API and PWA) as the Procfile does; restartable as a new version."""

    def __init__(self, instance, database_url):
        self.instance = instance
        self.env = base_env(instance, database_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.phones = {}

    def start(self, version_tag=None):
        env = {**self.env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        if version_tag:
            env["PWA_VERSION_TAG"] = version_tag
        self.log = open(self.instance / f"gunicorn-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "server:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or still loading the app
            assert self.process.poll() is None, Path(self.log.name).read_text()
            time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None
        if not self.log.closed:
            self.log.close()

    def user(self, role, phone, regions, name, pin=PIN):
        """Create an account with the CLI; answers its phone."""
        args = ["user", "create", "--phone", phone, "--pin", pin, "--role", role, "--name", name]
        for region in regions:
            args += ["--region", region]
        flask(self.env, *args)
        return phone

    def api(self, phone, pin=PIN):
        """A requests session logged in through the API (as another device would)."""
        session = requests.Session()
        answer = session.post(
            self.url + "/api/v1/auth/login", json={"phone": phone, "pin": pin, "device_id": str(uuid.uuid4())}
        )
        assert answer.status_code == 200, answer.text
        session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
        return session

    def state(self, phone, pin=PIN):
        """Everything an account may see, pulled from the beginning: {entity: {id: data}}."""
        api = self.api(phone, pin)
        state, cursor = {}, None
        while True:
            params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
            body = api.get(self.url + "/api/v1/sync/pull", params=params).json()
            for change in body["changes"]:
                records = state.setdefault(change["entity"], {})
                if change["action"] == "delete":
                    records.pop(change["entity_id"], None)
                else:
                    records[change["entity_id"]] = change["data"]
            cursor = body["cursor"]
            if not body["more"]:
                return state


@pytest.fixture
def server(template, tmp_path):
    """A running server on a fresh database, with an admin over Kab. Bandung."""
    instance = tmp_path / "instance"
    instance.mkdir()
    if ENGINE == "postgresql":
        _empty_pg_schema(template["engine"])
        live = Server(instance, _pg_url())
    else:
        for suffix in ("", "-wal", "-shm"):  # WAL mode: the template's latest pages may be in -wal
            source = template["file"].with_name(template["file"].name + suffix)
            if source.exists():
                shutil.copy(source, instance / source.name)
        live = Server(instance, None)
    live.admin = live.user("admin", "+6281100000001", ["32.04"], "Admin Bandung")
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (Playwright's own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/setup --dev (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Every open browser context with what its pages said, so that a failed test can show what the
# screens held when it failed (a timeout alone says only what never appeared).
OPEN_CONTEXTS = {}


def watched_context(browser, **options):
    """A new browser context whose pages' errors and console messages are kept for failure reports."""
    context = browser.new_context(**options)
    context.set_default_timeout(30_000)
    said = OPEN_CONTEXTS[context] = []

    def watch(page):
        page.on("console", lambda message: said.append(f"console.{message.type}: {message.text}"))
        page.on("pageerror", lambda error: said.append(f"pageerror: {error}"))

    context.on("page", watch)
    return context


def close_context(context):
    """Close a context and forget what it said."""
    OPEN_CONTEXTS.pop(context, None)
    context.close()


def screens_now():
    """What every open page shows and said: its address, the main screen's HTML, its messages."""
    lines = []
    for context, said in OPEN_CONTEXTS.items():
        for page in context.pages:
            try:
                main = page.evaluate("() => (document.getElementById('main') || document.body).outerHTML")
            except Exception as error:  # a page that is gone or navigating still gets its line
                main = f"(unreadable: {error})"
            lines += [f"page {page.url}", f"  main: {main[:2000]}"]
        lines += [f"  {line}" for line in said[-30:]]
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test reports what its screens held at the moment it failed."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and OPEN_CONTEXTS:
        report.sections.append(("what the browsers showed", screens_now()))


def browser_contexts(browser, **options):
    """For a fixture to yield from: a maker of contexts with these options (and any given it); closed after."""
    made = []

    def make(**more):
        made.append(watched_context(browser, **options, **more))
        return made[-1]

    yield make
    for context in made:
        close_context(context)


@pytest.fixture
def phone_context(browser):
    """New browser contexts (devices) of a 360x640 phone; all closed after the test."""
    yield from browser_contexts(browser, viewport={"width": 360, "height": 640}, device_scale_factor=1, is_mobile=True)


def screenshot(page, name):
    """A screenshot of what a phone shows, for people to look at (artifacts/, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def shown_width(locator, timeout=30):
    """The natural width of a loaded <img> whose src is a blob: URL (0 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        width = locator.evaluate("img => img.src.startsWith('blob:') && img.complete ? img.naturalWidth : 0")
        if width or time.monotonic() > deadline:
            return width
        time.sleep(0.2)


@pytest.fixture
def desktop_context(browser):
    """New browser contexts of an admin's 1280x800 desktop; all closed after the test."""
    viewport = {"width": 1280, "height": 800}
    yield from browser_contexts(browser, viewport=viewport, device_scale_factor=1, accept_downloads=True)


@pytest.fixture
def camera_photo(tmp_path):
    """A camera-sized JPEG (4000x3000): the app must shrink it to at most 1280 px before it stores it."""
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(0, 4000, 160):
        draw.ellipse([i, (i * 7) % 2800, i + 150, (i * 7) % 2800 + 150], fill=(i % 255, 120, 60))
    path = tmp_path / "IMG_20261127_081500.jpg"
    image.save(path, quality=95)
    return path
