"""WAL checkpoints on a thread of their own, so that no request waits for one.

By default SQLite copies the write-ahead log back into the database file inside whichever
commit first finds the log over 1,000 pages, and that commit then waits for the copy and two
fsyncs (about 40 ms here: every third push of 1,000 movements paid it). Under gunicorn each
worker instead runs a PASSIVE checkpoint every second on its own connection: it never blocks
a reader or a writer, and when two workers try at once one simply finds the other at work.
Commits still checkpoint by themselves past BACKSTOP_PAGES, should the thread ever stall.
CLI commands and tests keep SQLite's default.
"""

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

DEFAULT_PAGES = 1000  # SQLite's own default
BACKSTOP_PAGES = 20_000  # about 80 MB of log: only reached if the thread stops
autocheckpoint_pages = DEFAULT_PAGES  # read by server._sqlite_pragmas for each new connection


def start(app, interval=1.0):
    """Checkpoint the app's SQLite database every `interval` seconds on a daemon thread; answers
    the running Checkpointer (None on PostgreSQL, or on gunicorn's stand-in for an app that failed)."""
    global autocheckpoint_pages
    from .extensions import db

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


class Checkpointer(threading.Thread):
    """The thread: a connection of its own, a checkpoint every interval until stopped."""

    def __init__(self, path, interval):
        super().__init__(name="wal-checkpoint", daemon=True)
        self.path = path
        self.interval = interval
        self.stopped = threading.Event()
        self.rounds = 0

    def run(self):
        """Checkpoint until stop() is called."""
        connection = sqlite3.connect(self.path, timeout=0, check_same_thread=False, isolation_level=None)
        try:
            while not self.stopped.wait(self.interval):
                try:
                    checkpoint(connection)
                except sqlite3.Error:
                    log.exception("WAL checkpoint failed; commits will checkpoint by themselves")
                self.rounds += 1
        finally:
            connection.close()

    def stop(self):
        """Stop after the checkpoint under way, if any."""
        self.stopped.set()
        self.join()
