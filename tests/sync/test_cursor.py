"""The signed pull cursor: round trips, and every way a cursor can be refused."""

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.cursor import CursorError, decode_cursor, decode_marked_cursor, encode_cursor

SECRET = b"test-secret-" + b"x" * 32
USER = "0b5c3f1e-7a2d-4c8e-9f10-2a3b4c5d6e7f"
OTHER_USER = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def reason(text, user=USER, secret=SECRET):
    with pytest.raises(CursorError) as caught:
        decode_cursor(secret, text, user)
    return str(caught.value)


def test_round_trip():
    cursor = encode_cursor(SECRET, USER, 3, 1234)
    assert decode_cursor(SECRET, cursor, USER) == (3, 1234)


def test_cursor_is_opaque_url_safe_text():
    cursor = encode_cursor(SECRET, USER, 0, 0)
    assert isinstance(cursor, str)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@given(st.integers(0, 10**9), st.integers(0, 10**15))
def test_round_trip_of_any_position(scope_version, seq):
    assert decode_cursor(SECRET, encode_cursor(SECRET, USER, scope_version, seq), USER) == (scope_version, seq)


def test_round_trip_when_the_mac_holds_the_separator_byte():
    """The MAC is binary: some cursors carry a "|" byte inside it, and must still decode."""
    seqs = [
        seq for seq in range(2000) if b"|" in base64.urlsafe_b64decode(pad(encode_cursor(SECRET, USER, 1, seq)))[-12:]
    ]
    assert seqs, "no MAC with a | byte in 2000 cursors"
    for seq in seqs:
        assert decode_cursor(SECRET, encode_cursor(SECRET, USER, 1, seq), USER) == (1, seq)


def pad(text):
    return text + "=" * (-len(text) % 4)


def test_another_account_cannot_use_it():
    assert reason(encode_cursor(SECRET, USER, 1, 10), user=OTHER_USER) == "other_account"


def test_another_secret_did_not_sign_it():
    assert reason(encode_cursor(b"another secret", USER, 1, 10)) == "forged"


def test_a_forged_position_is_refused():
    raw = base64.urlsafe_b64decode(pad(encode_cursor(SECRET, USER, 1, 10)))
    forged = raw.replace(b"|1|10|", b"|1|99|")
    assert forged != raw
    assert reason(base64.urlsafe_b64encode(forged).decode().rstrip("=")) == "forged"


def test_a_forged_owner_is_refused():
    raw = base64.urlsafe_b64decode(pad(encode_cursor(SECRET, USER, 1, 10)))
    forged = base64.urlsafe_b64encode(raw.replace(USER.encode(), OTHER_USER.encode())).decode()
    assert reason(forged, user=OTHER_USER) == "forged"


def test_a_cursor_of_another_version_is_refused():
    payload = f"2|{USER}|1|10".encode()
    mac = hmac.new(SECRET, payload, hashlib.sha256).digest()[:12]
    assert reason(base64.urlsafe_b64encode(payload + b"|" + mac).decode()) == "forged"


@pytest.mark.parametrize("cut", [1, 2, 5, 13, 20])
def test_a_truncated_cursor_is_refused(cut):
    cursor = encode_cursor(SECRET, USER, 1, 10)
    assert reason(cursor[:-cut]) in ("malformed", "forged")


@pytest.mark.parametrize(
    "text",
    ["", "x", "garbage!", "====", "not base64 at all ☃", "AAAA", base64.urlsafe_b64encode(b"1|a|b").decode()],
)
def test_garbage_is_refused(text):
    assert reason(text) in ("malformed", "forged")


def test_a_tampered_character_is_refused():
    cursor = encode_cursor(SECRET, USER, 1, 10)
    for i in range(len(cursor)):
        swapped = "A" if cursor[i] != "A" else "B"
        tampered = cursor[:i] + swapped + cursor[i + 1 :]
        try:
            result = decode_cursor(SECRET, tampered, USER)
        except CursorError:
            continue
        assert result == (1, 10)  # only padding bits changed: the same bytes


@given(st.text(max_size=80))
def test_any_text_either_decodes_or_raises_cursor_error(text):
    try:
        result = decode_cursor(SECRET, text, USER)
    except CursorError:
        return
    assert result == (1, 10)  # unreachable in practice: it would have to carry our MAC


def test_a_cursor_without_a_mark_is_marked_zero_and_reads_as_before():
    cursor = encode_cursor(SECRET, USER, 3, 1234)
    assert cursor == encode_cursor(SECRET, USER, 3, 1234, mark=0)
    assert decode_marked_cursor(SECRET, cursor, USER) == (3, 1234, 0)


def test_a_hubs_mark_round_trips_and_is_signed():
    cursor = encode_cursor(SECRET, USER, 3, 1234, mark=17)
    assert decode_marked_cursor(SECRET, cursor, USER) == (3, 1234, 17)
    assert decode_cursor(SECRET, cursor, USER) == (3, 1234)
    assert reason(encode_cursor(b"another secret", USER, 3, 1234, mark=17)) == "forged"
