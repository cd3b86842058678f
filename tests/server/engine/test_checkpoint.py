"""WAL checkpoints run on a thread of the web worker, not inside a request's commit."""

import os
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from server.engine import checkpoint
from server.extensions import db
from tests.conftest import ENGINE

sqlite_only = pytest.mark.skipif(ENGINE != "sqlite", reason="a write-ahead log is SQLite's")


@pytest.fixture
def pages(monkeypatch):
    """Restore the process-wide autocheckpoint setting after the test."""
    monkeypatch.setattr(checkpoint, "autocheckpoint_pages", checkpoint.DEFAULT_PAGES)


def _autocheckpoint(app):
    with app.app_context():
        return db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar()


def _write_rows(app, n):
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS filler (x TEXT)"))
        db.session.execute(text("INSERT INTO filler VALUES (:x)"), [{"x": "x" * 500}] * n)
        db.session.commit()


@sqlite_only
def test_commits_checkpoint_by_themselves_by_default(app, pages):
    assert _autocheckpoint(app) == 1000  # pages of log, as SQLite does by itself


@sqlite_only
def test_each_new_connection_takes_the_autocheckpoint_setting(app, monkeypatch):
    monkeypatch.setattr(checkpoint, "autocheckpoint_pages", 1234)
    with app.app_context():
        db.engine.dispose()  # the next statement opens a new connection
    assert _autocheckpoint(app) == 1234


@sqlite_only
def test_with_the_thread_running_commits_leave_the_log_to_it(app, pages):
    checkpointer = checkpoint.start(app, interval=0.05)
    try:
        assert _autocheckpoint(app) == checkpoint.BACKSTOP_PAGES
        _write_rows(app, 2000)
        # Within a few rounds every frame of the log is copied back into the database file. (A cap,
        # not a budget: the thread runs at nice 19 and on a busy machine gets little of a core.)
        deadline = time.monotonic() + 120
        with app.app_context():
            path = db.engine.url.database
        with sqlite3.connect(path) as probe:
            while time.monotonic() < deadline:
                busy, frames, copied = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if checkpointer.rounds >= 2 and frames == copied:
                    break
                time.sleep(0.05)
        assert checkpointer.rounds >= 2 and frames == copied
    finally:
        checkpointer.stop()
    assert not checkpointer.is_alive()


@sqlite_only
def test_a_checkpoint_answers_what_it_copied(tmp_path):
    connection = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE t (x)")
    connection.executemany("INSERT INTO t VALUES (?)", [("y" * 1000,)] * 100)
    busy, frames, copied = checkpoint.checkpoint(connection)
    assert (busy, copied) == (0, frames) and frames > 0


def test_nothing_to_do_off_sqlite_or_without_an_app(app, pages):
    if ENGINE == "sqlite":
        assert checkpoint.start(object()) is None  # gunicorn's stand-in when the app failed to load
    else:
        assert checkpoint.start(app) is None
    assert checkpoint.autocheckpoint_pages == checkpoint.DEFAULT_PAGES


@sqlite_only
def test_a_checkpoint_waits_for_a_quiet_moment_but_not_for_ever(tmp_path):
    path = tmp_path / "x.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x)")
    looker = checkpoint.Checkpointer(path, interval=1, max_wait=10)
    connection = sqlite3.connect(path, isolation_level=None)

    def commit():
        writer.execute("INSERT INTO t VALUES (?)", ("y" * 1000,))

    assert looker.look(connection, now=looker.last_checkpoint + 1) is False  # the first look learns the version
    commit()
    assert looker.look(connection, now=looker.last_checkpoint + 2) is False  # a commit since: writes under way
    assert looker.look(connection, now=looker.last_checkpoint + 3) is True  # quiet since the last look
    busy, frames, copied = checkpoint.checkpoint(connection)
    assert frames == copied  # it copied the whole log back
    start = looker.last_checkpoint
    for second in range(1, 10):
        commit()
        assert looker.look(connection, now=start + second) is False
    commit()
    assert looker.look(connection, now=start + 10) is True  # busy for max_wait: no longer waiting
    assert looker.rounds == 2


def test_the_checkpoint_thread_runs_at_the_lowest_priority_and_the_others_keep_theirs(tmp_path):
    sqlite3.connect(tmp_path / "x.db").close()
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = checkpoint.Checkpointer(str(tmp_path / "x.db"), interval=0.01)
    thread.start()
    try:
        deadline = time.monotonic() + 120  # a cap: at nice 19, a busy machine leaves it little time
        while thread.native_id is None or thread.rounds == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == 19
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own
    finally:
        thread.stop()
