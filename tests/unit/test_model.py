from __future__ import annotations

import base64
import json
from collections.abc import Mapping

import pytest

from graphql_api.errors import InvalidCursor
from graphql_api.model import (
    Listing,
    Position,
    decode_cursor,
    encode_cursor,
    is_text,
)

EVERYONE = Listing()


@pytest.mark.parametrize(
    ("position", "listing"),
    [
        (Position("a"), EVERYONE),
        (Position("a", "ann", "0"), Listing("ann")),
        (Position("ü-ß", "ann ✓", "1700000000000"), Listing("ann ✓", "done", False)),
        (Position("a", "ann", "1700000000000.5"), Listing("ann")),
        (Position("a", "ann", "-42"), Listing("ann")),
        (Position("a", "ann", "99999999999999999999999999999999999999"), Listing("ann")),
        (Position("a", "ann", "1E+125"), Listing("ann")),
        (Position("x" * 2048, "ann", "1"), Listing("ann")),
        (Position("é" * 1024), EVERYONE),
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
    cursor = encode_cursor(Position("a", "ann", "5"), Listing("ann"))
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
    cursor = encode_cursor(Position("id-1", "ann", "12"), Listing("ann"))
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


def cursor_of(fields: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()


@pytest.mark.parametrize(
    "created",
    [
        -1,
        1.5,
        True,
        "1e500",
        "1e-131",
        "1234567890123456789012345678901234567.89",
        " 12",
        "1_000",
        "NaN",
        "Infinity",
        "١٢",
        "1" * 201,
    ],
)
def test_cursor_with_a_number_dynamodb_would_refuse_is_invalid(created: object) -> None:
    fields = {"i": "a", "u": "ann", "c": created, "l": ["ann", None, True]}
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor_of(fields), Listing("ann"))


@pytest.mark.parametrize(
    ("created", "expected"),
    [(12, "12"), ("12", "12"), ("-0.5", "-0.5"), ("1e-130", "1e-130"), ("0", "0")],
)
def test_cursor_carries_any_number_dynamodb_stores(created: object, expected: str) -> None:
    fields = {"i": "a", "u": "ann", "c": created, "l": ["ann", None, True]}
    assert decode_cursor(cursor_of(fields), Listing("ann")) == Position("a", "ann", expected)


@pytest.mark.parametrize(
    "todo_id",
    ["x" * 2049, "é" * 1025, "𝄞" * 513, ""],
)
def test_cursor_with_an_id_no_item_can_have_is_invalid(todo_id: str) -> None:
    fields = {"i": todo_id, "l": [None, None, True]}
    assert decode_cursor(cursor_of({**fields, "i": "a"}), EVERYONE) == Position("a")
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor_of(fields), EVERYONE)


def test_a_cursor_carries_text_as_utf_8_not_escapes() -> None:
    # Six bytes a character as \uXXXX escapes; two as UTF-8: the longest ids stay short.
    assert len(encode_cursor(Position("é" * 1024), Listing())) < 3_000
