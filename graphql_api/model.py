"""The todo value, its field rules, and the page and cursor types. Standard library only."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import TypeGuard

from graphql_api.errors import InvalidCursor

PENDING = "pending"
"""The status every new todo starts with (the legacy API's value)."""

# Limits are in characters. At four UTF-8 bytes a character at most, a todo stays under
# ~42 KB, a tenth of DynamoDB's 400 KB item limit.
MAX_USER_ID_LENGTH = 128
MAX_CONTENT_LENGTH = 10_000
MAX_STATUS_LENGTH = 64
# DynamoDB refuses partition keys over 2048 bytes; ids we issue are 36-character UUIDs.
MAX_ID_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Todo:
    id: str
    user_id: str
    content: str | None
    status: str
    version: int
    created_ms: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class Position:
    """Where a listing stands: the key of the last item handed out or looked at.

    `user_id` and `created_ms` are set whenever they are known; a listing by user needs them,
    a listing of the whole table needs only `id`.
    """

    id: str
    user_id: str | None = None
    created_ms: int | None = None

    @classmethod
    def of(cls, todo: Todo) -> Position:
        return cls(todo.id, todo.user_id, todo.created_ms)


@dataclass(frozen=True, slots=True)
class TodoQuery:
    """One page request: `first` todos after `after`, optionally one user's, one status."""

    first: int
    after: Position | None = None
    user_id: str | None = None
    status: str | None = None
    newest_first: bool = True


@dataclass(frozen=True, slots=True)
class Page:
    """`todos` in order; `end` is where the next page starts when `has_next` is true.

    `end` is the last todo's position, or further on when the listing looked at items past it
    that did not match and stopped there.
    """

    todos: tuple[Todo, ...]
    has_next: bool
    end: Position | None


def encode_cursor(position: Position) -> str:
    fields = {"i": position.id, "u": position.user_id, "c": position.created_ms}
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fields = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    if not isinstance(fields, dict):
        raise InvalidCursor(cursor)
    todo_id, user_id, created_ms = fields.get("i"), fields.get("u"), fields.get("c")
    if not _is_key(todo_id) or not (user_id is None or _is_key(user_id)):
        raise InvalidCursor(cursor)
    if not (created_ms is None or (type(created_ms) is int and created_ms >= 0)):
        raise InvalidCursor(cursor)
    return Position(todo_id, user_id, created_ms)


def is_possible_id(value: str) -> bool:
    """Whether an item could have this id; anything else is unknown without asking DynamoDB."""
    return 0 < len(value) <= MAX_ID_LENGTH


def _is_key(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and is_possible_id(value)
