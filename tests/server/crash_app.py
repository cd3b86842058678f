"""Lumbung for the crash test: a push can be held just before or just after its commit until killed.

gunicorn serves `tests.server.crash_app:create_app()` only in tests/server/engine/test_sync_crash.py;
the app itself carries no such hook. To hold the next push, the test creates the file `before`
or `after` in the directory CRASH_HOLD_DIR names; the worker takes the file away, leaves
`held before` (or `held after`) in its place, and waits there for the SIGKILL.
"""

import os
import time
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from server import create_app as create_lumbung


def create_app():
    """The app, with the session events that hold a push at its commit when the test asks."""
    app = create_lumbung()
    holds = Path(os.environ["CRASH_HOLD_DIR"])
    event.listen(Session, "before_commit", _holder(holds / "before"))
    event.listen(Session, "after_commit", _holder(holds / "after"))
    return app


def _holder(asked):
    def hold(session):
        if not (has_request_context() and request.path.endswith("/sync/push") and asked.exists()):
            return
        asked.unlink()
        asked.with_name(f"held {asked.name}").touch()
        while True:  # until the test kills the worker
            time.sleep(1)

    return hold
