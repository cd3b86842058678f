"""PIN hashing with Argon2id: slow on purpose, tunable for tests; and which new PINs are too weak."""

import time
from itertools import pairwise

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# Six-digit PINs people often choose that the rules of is_weak_pin do not already catch: keypad
# shapes (columns, diagonals, crosses), pairs and halves mirrored, well-known numbers; the kinds
# that studies of leaked PINs (Wang et al. 2017; Markert et al. 2020) find near the top.
_COMMON_PINS_TEXT = """
112233 223344 334455 445566 556677 667788 778899 998877 887766 776655 665544 554433 443322
332211 001122 221100 111222 222111 111000 000111 112211 110011 122333 111333 333111 123321
321123 456654 789987 987789 654456 147258 258369 147369 369147 258147 369258 852741 963852
741852 852963 963741 741963 147852 258963 159357 357159 753951 951753 159753 357951 159951
357753 789456 456123 321654 654987 789654 987456 456789 654123 123654 321456 147896 123789
789123 987321 321987 852456 456852 258456 142536 124578 235689 102030 010203 121314 123412
123457 123455 123465 112358 314159 271828 100200 123000 000123 666888 888666 520131 131420
"""
COMMON_PINS = frozenset(_COMMON_PINS_TEXT.split())
MEASURE_PIN = "408152"
_verify_seconds = {}  # (time cost, memory cost) -> seconds of one verify in this process


def _hasher():
    return PasswordHasher(
        time_cost=current_app.config["PIN_HASH_TIME_COST"],
        memory_cost=current_app.config["PIN_HASH_MEMORY_KIB"],
        parallelism=1,
    )


def hash_pin(pin):
    """Hash a 6-digit PIN for storage."""
    return _hasher().hash(pin)


def verify_pin(pin_hash, pin):
    """Tell whether the PIN matches the stored hash; without a hash, wait as long as a check takes."""
    if pin_hash is None:
        # An unknown phone must answer as slowly as a wrong PIN, but waiting costs no CPU, so
        # requests for made-up phones cannot be used to keep the server's cores busy.
        time.sleep(verify_seconds())
        return False
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def verify_seconds():
    """How long one verify takes at the configured cost: measured once per process (and cost)."""
    config = current_app.config
    key = (config["PIN_HASH_TIME_COST"], config["PIN_HASH_MEMORY_KIB"])
    if key not in _verify_seconds:
        hasher = _hasher()
        sample = hasher.hash(MEASURE_PIN)
        started = time.perf_counter()
        hasher.verify(sample, MEASURE_PIN)
        _verify_seconds[key] = time.perf_counter() - started
    return _verify_seconds[key]


def is_weak_pin(pin):
    """Whether a new PIN is too easy to guess: one digit repeated, a run up or down (0 follows 9
    and 9 precedes 0), a pair or a triple repeated (121212, 123123), or one of COMMON_PINS."""
    digits = [int(digit) for digit in pin]
    steps = {(b - a) % 10 for a, b in pairwise(digits)}
    return steps in ({0}, {1}, {9}) or pin == pin[:2] * 3 or pin == pin[:3] * 2 or pin in COMMON_PINS
