"""WAL checkpoints on a thread of their own, so that no request waits for one.

By default SQLite copies the write-ahead log back into the database file inside whichever
commit first finds the log over 1,000 pages, and that commit then waits for the copy and two
fsyncs (under steady pushes, one push in every few). Under gunicorn each worker instead runs
PASSIVE checkpoints on its own connection: they never block a reader or a writer, and when two
workers try at once one simply finds the other at work. A checkpoint waits for a quiet moment
(no commit since the last look, a quarter of a second before), so that a burst of pushes does
not share the disk with it, but never more than MAX_WAIT seconds: under steady writes the log
still goes back every few seconds. Commits still checkpoint by themselves past BACKSTOP_PAGES,
should the thread ever stall. CLI commands and tests keep SQLite's default.
"""

import logging
import os
import sqlite3
import threading
import time

log = logging.getLogger(__name__)

DEFAULT_PAGES = 1000  # SQLite's own default
BACKSTOP_PAGES = 20_000  # about 80 MB of log: only reached if the thread stops
MAX_WAIT = 2.0  # seconds a checkpoint waits at most for a quiet moment
autocheckpoint_pages = DEFAULT_PAGES  # read by server._sqlite_pragmas for each new connection


def start(app, interval=0.25):
    """Checkpoint the app's SQLite database every `interval` seconds on a daemon thread; answers
    the running Checkpointer (None on PostgreSQL, or on gunicorn's stand-in for an app that failed)."""
    global autocheckpoint_pages
    from ..extensions import db

    if not hasattr(app, "app_context"):
        return None
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite" or not engine.url.database:
            return None
        autocheckpoint_pages = BACKSTOP_PAGES
        engine.dispose()  # connections opened before this take the new setting when reopened
        path = engine.url.database
    checkpointer = Checkpointer(path, interval)
    checkpointer.start()
    return checkpointer


def checkpoint(connection):
    """One PASSIVE checkpoint: answers (busy, frames in the log, frames copied back)."""
    return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def lower_priority():
    """Give the calling thread the lowest CPU priority (Linux: a thread's own nice value).

    A checkpoint is housekeeping: on a machine of two cores it must not take a core from a
    request (idle pulls that come right after a large write slow down when it does)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux, or not allowed: checkpoint at the usual priority
        log.info("WAL checkpoints run at the usual priority")


class Checkpointer(threading.Thread):
    """The thread: a connection of its own, a look every interval, a checkpoint when quiet."""

    def __init__(self, path, interval, max_wait=MAX_WAIT):
        super().__init__(name="wal-checkpoint", daemon=True)
        self.path = path
        self.interval = interval
        self.max_wait = max_wait
        self.stopped = threading.Event()
        self.rounds = 0  # checkpoints run
        self.version = None  # the database's data_version at the last look
        self.last_checkpoint = time.monotonic()

    def run(self):
        """Look every interval until stop() is called."""
        lower_priority()
        connection = sqlite3.connect(self.path, timeout=0, check_same_thread=False, isolation_level=None)
        try:
            while not self.stopped.wait(self.interval):
                try:
                    self.look(connection, time.monotonic())
                except sqlite3.Error:
                    log.exception("WAL checkpoint failed; commits will checkpoint by themselves")
        finally:
            connection.close()

    def look(self, connection, now):
        """Checkpoint if nothing was committed since the last look, or if the last checkpoint is
        MAX_WAIT old; answers whether it did."""
        # data_version changes when another connection commits (a checkpoint is no commit).
        version = connection.execute("PRAGMA data_version").fetchone()[0]
        quiet, self.version = version == self.version, version
        if not quiet and now - self.last_checkpoint < self.max_wait:
            return False
        checkpoint(connection)
        self.last_checkpoint = now
        self.rounds += 1
        return True

    def stop(self):
        """Stop after the checkpoint under way, if any."""
        self.stopped.set()
        self.join()
