"""PIN hashing with Argon2id: slow on purpose, tunable for tests."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


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
    """Tell whether the PIN matches the stored hash; without a hash, spend the same time."""
    hasher = _hasher()
    if pin_hash is None:
        # Hash anyway so an unknown phone takes as long as a wrong PIN.
        hasher.hash(pin)
        return False
    try:
        return hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
