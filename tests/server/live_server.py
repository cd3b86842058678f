"""A real Lumbung under gunicorn, on a database of the run's engine, for tests that need processes."""

import contextlib
import os
import signal
import subprocess
import time
import uuid

from server.secrets_file import random_secrets
from sync.client import TransportError
from sync.http import HttpTransport
from tests.bench.load import ROOT, VENV, engine_for, free_port, prepare_database
from tests.conftest import empty_database

# gunicorn refuses to serve on default or short secrets (gunicorn.conf.py): random ones, one set a run.
SERVE_SECRETS = random_secrets()
REGION = "32.04.10"  # Kec. Margaasih: tests.helpers.VILLAGE lies in it
PHONE = "+6281200000001"
PIN = "246810"


class LiveServer:
    """gunicorn (gunicorn.conf.py) on a database URL; started, killed with SIGKILL and started again."""

    def __init__(self, tmp_path, database_url, workers=1, threads=4, app="server:create_app()", env=None):
        self.app = app
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "HOST": "127.0.0.1",
            "ACCESS_LOG": "",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "PIN_HASH_TIME_COST": "1",
            "PIN_HASH_MEMORY_KIB": "8192",
            **SERVE_SECRETS,
            **(env or {}),
        }
        self.log = tmp_path / "gunicorn.log"
        self.proc = None
        self.port = None

    def prepare(self):
        """Migrate the database, import Kec. Margaasih and create a facilitator of it, with the CLI."""
        account = ("--phone", PHONE, "--pin", PIN, "--role", "facilitator", "--region", REGION, "--name", "Live")
        prepare_database(self.env, REGION, account)

    def start(self, port=None):
        """Start gunicorn in a process group of its own, on `port` or a fresh one; returns once it answers."""
        self.port = port or free_port()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV / "gunicorn"), "-c", "gunicorn.conf.py", self.app],
                cwd=ROOT,
                env={**self.env, "PORT": str(self.port)},
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.wait_ready()

    def wait_ready(self, timeout=30):
        """Wait until a worker answers HTTP."""
        deadline = time.monotonic() + timeout
        while True:
            transport = HttpTransport(self.url, timeout=5, compress=False)
            try:
                status, _ = transport("GET", "/api/v1/openapi.json")
                if status == 200:
                    return
            except TransportError:
                pass
            finally:
                transport.close()
            assert self.proc.poll() is None, f"gunicorn exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "gunicorn did not answer in time"
            time.sleep(0.05)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def kill(self):
        """SIGKILL the whole gunicorn process group (master and workers) and reap the master."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """Stop gunicorn, if it runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.kill()

    def login(self, device_id=None):
        """A transport to the server, logged in as the facilitator on a device of its own."""
        transport = HttpTransport(self.url)
        transport.login(PHONE, PIN, device_id or str(uuid.uuid4()))
        return transport


@contextlib.contextmanager
def running_server(tmp_path, **options):
    """A started gunicorn (LiveServer options) on a fresh database of the run's engine; stopped after."""
    with empty_database(tmp_path, "live") as url:
        live = LiveServer(tmp_path, url, **options)
        live.prepare()
        live.start()
        live.db = engine_for(url)
        try:
            yield live
        finally:
            live.stop()
            live.db.dispose()
