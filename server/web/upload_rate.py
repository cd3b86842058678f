"""How many photos, and how many of their pixels, an account may have decoded in a minute.

Decoding is the costly part of an upload (a 16-megapixel PNG takes a worker a few seconds), so
the budget counts photos that reach decoding and their pixels, read from their headers. A
completing upload (a whole PUT, or the last piece of a resumable one) is refused with 429 and
Retry-After while the account's last minute holds BLOB_PHOTOS_PER_MINUTE photos or
BLOB_MEGAPIXELS_PER_MINUTE megapixels; a photo under way is never cut off, so the budget may be
passed by one photo. Pieces that do not complete an upload are not counted (they cost no decoding).

The budget is kept in memory, per process: with several gunicorn workers an account may spend up
to the budget in each. That bounds what one account can make the server do without a table that
every upload would write to.
"""

import math
import threading
import time
from collections import defaultdict, deque

WINDOW_SECONDS = 60


class UploadBudget:
    """Photos and pixels decoded per account over the last minute, in this process."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._spent = defaultdict(deque)  # account id -> deque of (when, pixels)

    def retry_after(self, account, max_photos, max_pixels):
        """None while the account may have another photo decoded; else the seconds to wait."""
        now = self._clock()
        with self._lock:
            spent = self._recent(account, now)
            count, pixels = len(spent), sum(used for _, used in spent)
            if count < max_photos and pixels < max_pixels:
                return None
            # Wait until enough of the oldest photos have left the window.
            for at, used in spent:
                count, pixels = count - 1, pixels - used
                if count < max_photos and pixels < max_pixels:
                    return max(1, math.ceil(at + WINDOW_SECONDS - now))
            return WINDOW_SECONDS  # only with a budget of no photos at all

    def spend(self, account, pixels):
        """Count a photo of this many pixels that is about to be decoded."""
        now = self._clock()
        with self._lock:
            self._recent(account, now).append((now, pixels))

    def _recent(self, account, now):
        spent = self._spent[account]
        while spent and spent[0][0] <= now - WINDOW_SECONDS:
            spent.popleft()
        return spent


BUDGET = UploadBudget()
