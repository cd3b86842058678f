"""gunicorn.conf.py: what each web worker does once it has loaded the app."""

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


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


def test_web_workers_serve_a_kept_alive_connection_on_one_thread():
    settings = runpy.run_path(str(CONF))
    assert settings["worker_class"] == "server.worker.LingeringThreadWorker"
    assert settings["threads"] >= 2  # one thread always stays free of lingering (server/worker.py)
