from __future__ import annotations

import base64

import pytest

from graphql_api.errors import InvalidCursor
from graphql_api.model import Position, decode_cursor, encode_cursor


@pytest.mark.parametrize(
    "position",
    [Position("a"), Position("a", "ann", 0), Position("ü-ß", "ann ✓", 1_700_000_000_000)],
)
def test_cursor_round_trips(position: Position) -> None:
    assert decode_cursor(encode_cursor(position)) == position


def test_cursor_is_opaque_url_safe_text() -> None:
    cursor = encode_cursor(Position("id-1", "ann", 12))
    assert cursor.isascii()
    assert not set(cursor) & set("+/= ")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 !",
        "%%%",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"i": 5}').decode(),
        base64.urlsafe_b64encode(b'{"i": ""}').decode(),
        base64.urlsafe_b64encode(b'{"i": "a", "c": -1}').decode(),
        base64.urlsafe_b64encode(b'{"i": "a", "c": "12"}').decode(),
        base64.urlsafe_b64encode(b'{"i": "a", "u": 3}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_malformed_cursor_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)
