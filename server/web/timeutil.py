"""Time in UTC: naive datetimes in the database, RFC 3339 with Z on the wire."""

from datetime import UTC, datetime

from sync.records import format_time as rfc3339  # noqa: F401 - one formatter for both sides


def utcnow():
    """The current UTC time, naive, as the database stores it (millisecond precision)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
