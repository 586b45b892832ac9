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
class Caller:
    """Who a request acts for: a verified user id, and whether that user is an admin."""

    user_id: str | None
    admin: bool = False

    def may_act_for(self, owner: str) -> bool:
        return self.admin or owner == self.user_id


OPEN_ACCESS = Caller(user_id=None, admin=True)
"""The caller of the open API (no authentication): anyone may do anything, as before."""


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
class Listing:
    """Which todos a listing walks, and in what order: what a cursor is bound to."""

    user_id: str | None = None
    status: str | None = None
    newest_first: bool = True


@dataclass(frozen=True, slots=True)
class TodoQuery:
    """One page request: `first` todos after `after`, optionally one user's, one status,
    looking at no more than `max_examined` stored items (filtered-out ones included)."""

    first: int
    after: Position | None = None
    user_id: str | None = None
    status: str | None = None
    newest_first: bool = True
    max_examined: int = 1_000

    @property
    def listing(self) -> Listing:
        return Listing(self.user_id, self.status, self.newest_first)


@dataclass(frozen=True, slots=True)
class Page:
    """`todos` in order; `end` is where the next page starts when `has_next` is true.

    `end` is the last todo's position, or further on when the listing looked at items past it
    that did not match and stopped there. `examined` counts the stored items looked at.
    """

    todos: tuple[Todo, ...]
    has_next: bool
    end: Position | None
    listing: Listing = Listing()
    examined: int = 0

    def cursor(self, position: Position) -> str:
        return encode_cursor(position, self.listing)

    @property
    def end_cursor(self) -> str | None:
        """Where the next page starts: past `end`, or past the last todo."""
        end = self.end or (Position.of(self.todos[-1]) if self.todos else None)
        return self.cursor(end) if end else None


def encode_cursor(position: Position, listing: Listing) -> str:
    fields = {
        "i": position.id,
        "u": position.user_id,
        "c": position.created_ms,
        "l": [listing.user_id, listing.status, listing.newest_first],
    }
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, listing: Listing) -> Position:
    """The position `cursor` holds; InvalidCursor unless it was issued for `listing`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fields = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise InvalidCursor(cursor) from exc
    if not isinstance(fields, dict):
        raise InvalidCursor(cursor)
    todo_id, user_id, created_ms = fields.get("i"), fields.get("u"), fields.get("c")
    if not _is_key(todo_id) or not (user_id is None or _is_key(user_id)):
        raise InvalidCursor(cursor)
    if not (created_ms is None or (type(created_ms) is int and created_ms >= 0)):
        raise InvalidCursor(cursor)
    if fields.get("l") != [listing.user_id, listing.status, listing.newest_first]:
        raise InvalidCursor(cursor)
    if listing.user_id is not None and (user_id != listing.user_id or created_ms is None):
        raise InvalidCursor(cursor)
    return Position(todo_id, user_id, created_ms)


def is_text(value: str) -> bool:
    """Whether `value` is Unicode text that can be stored and sent: no lone surrogates, which
    JSON's `\\ud800` escapes can carry in but UTF-8 cannot carry out."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def is_possible_id(value: str) -> bool:
    """Whether an item could have this id; anything else is unknown without asking DynamoDB."""
    return 0 < len(value) <= MAX_ID_LENGTH and is_text(value)


def _is_key(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and is_possible_id(value)
