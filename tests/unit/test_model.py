from __future__ import annotations

import base64

import pytest

from graphql_api.errors import InvalidCursor
from graphql_api.model import Listing, Position, decode_cursor, encode_cursor, is_text

EVERYONE = Listing()


@pytest.mark.parametrize(
    ("position", "listing"),
    [
        (Position("a"), EVERYONE),
        (Position("a", "ann", 0), Listing("ann")),
        (Position("ü-ß", "ann ✓", 1_700_000_000_000), Listing("ann ✓", "done", False)),
    ],
)
def test_cursor_round_trips(position: Position, listing: Listing) -> None:
    assert decode_cursor(encode_cursor(position, listing), listing) == position


@pytest.mark.parametrize(
    "other",
    [
        Listing(),
        Listing("bob"),
        Listing("ann", "done"),
        Listing("ann", newest_first=False),
    ],
)
def test_cursor_of_one_listing_is_refused_by_another(other: Listing) -> None:
    cursor = encode_cursor(Position("a", "ann", 5), Listing("ann"))
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, other)


def test_a_listing_by_user_refuses_a_cursor_without_its_sort_key() -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(Position("a"), Listing("ann")), Listing("ann"))


@pytest.mark.parametrize(
    ("value", "expected"), [("milk", True), ("ü✓𝄞", True), ("\ud800", False), ("a\udfffb", False)]
)
def test_is_text_refuses_lone_surrogates(value: str, expected: bool) -> None:
    assert is_text(value) is expected


def test_cursor_is_opaque_url_safe_text() -> None:
    cursor = encode_cursor(Position("id-1", "ann", 12), Listing("ann"))
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
        base64.urlsafe_b64encode(b"[" * 100_000).decode(),
        base64.urlsafe_b64encode(b'{"i": "\\ud800", "l": [null, null, true]}').decode(),
    ],
)
def test_malformed_cursor_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, EVERYONE)
