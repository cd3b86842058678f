"""Exact decimal quantities as text ("12.5", "-3", "0.125"), held as integer thousandths."""

import re
from functools import lru_cache

# [0-9] and \Z, not \d and $: ASCII digits only, and no trailing newline.
QTY_RE = re.compile(r"^(-?)([0-9]{1,15})(?:\.([0-9]{1,3}))?\Z")


MAX_QTY_TEXT = 20  # "-" and 15 digits, "." and 3 more

# The limits of SYNC-CONTRACT 1.1, in thousandths. Within them every stock total and every sum of
# a push's movements fits a 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT) exactly.
QTY_LIMIT_MILLI = 10**12  # a movement's qty: at most 1,000,000,000 either way
STOCK_LIMIT_MILLI = 10**15  # a product's stock on hand: within +-1,000,000,000,000


def parse_milli(text):
    """ "12.5" -> 12500; None for anything that is not a decimal string with at most 3 places."""
    # Only texts that may be quantities reach the cache: 4,096 long ones would fill the memory.
    return _parse_text(text) if isinstance(text, str) and len(text) <= MAX_QTY_TEXT else None


@lru_cache(maxsize=4096)  # the same quantities come again and again within a push
def _parse_text(text):
    match = QTY_RE.match(text)
    if not match:
        return None
    sign, whole, frac = match.groups()
    value = int(whole) * 1000 + int((frac or "").ljust(3, "0"))
    return -value if sign else value


def format_milli(value):
    """12500 -> "12.5"; the shortest exact text of a quantity."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 1000)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:03d}".rstrip("0")


def qty_limit_passed(milli):
    """The limit (text) a movement's qty in thousandths goes past, or None when it is within it."""
    return _limit_passed(milli, QTY_LIMIT_MILLI)


def stock_limit_passed(milli):
    """The limit (text) a stock on hand in thousandths goes past, or None when it is within it."""
    return _limit_passed(milli, STOCK_LIMIT_MILLI)


def _limit_passed(milli, limit):
    if milli > limit:
        return format_milli(limit)
    if milli < -limit:
        return format_milli(-limit)
    return None
