"""Sync now: a facilitator's request ends the relay's wait between cycles early.

The relay runs in its own process (`flask hub run`), apart from the web workers that answer
POST /api/v1/hub/sync-now, so the request goes through the database: the API remembers when
it was made (hub_state "sync_requested_at"), and the relay, while it waits between cycles,
reads it every few seconds. A request made during a cycle is answered by the next one, at once.
"""

import time

from ..extensions import db
from ..web.timeutil import rfc3339, utcnow
from . import hub_state

CHECK_EVERY = 2  # seconds between two looks at the request while waiting

REQUESTED = "sync_requested_at"


def ask():
    """Ask the relay for a cycle now (in the caller's transaction); answers when it was asked."""
    at = rfc3339(utcnow())
    hub_state.remember(REQUESTED, at)
    return at


def last_request():
    """When a cycle was last asked for (None: never), read outside any open transaction."""
    requested = hub_state.recall(REQUESTED)
    db.session.rollback()  # end the read, so the next look sees what the web workers commit
    return requested


def wait(seconds, since, sleep=time.sleep):
    """Wait this long, or until a cycle is asked for after `since` (a last_request()); True when asked."""
    left = seconds
    while left > 0:
        step = min(CHECK_EVERY, left)
        sleep(step)
        left -= step
        if last_request() != since:
            return True
    return False
