"""The todo value, its field rules, and the page and cursor types. Standard library only."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypeGuard

from graphql_api.errors import InvalidCursor

PENDING = "pending"
"""The status every new todo starts with (the legacy API's value)."""

# Limits are in characters. At four UTF-8 bytes a character at most, a todo stays under
# ~42 KB, a tenth of DynamoDB's 400 KB item limit.
MAX_USER_ID_LENGTH = 128
MAX_CONTENT_LENGTH = 10_000
MAX_STATUS_LENGTH = 64
# DynamoDB's limit for a partition key, and so for any id (or owner) an item can have: the API
# takes every id that can be stored. Ids we issue are 36-character UUIDs.
MAX_KEY_BYTES = 2048
# The times a GraphQL DateTime (and most clients) can carry: 1970-01-01 to 9999-12-31, UTC.
MAX_TIME_MS = 253_402_300_799_999
# GraphQL's Int is 32 bits.
MAX_VERSION = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Todo:
    id: str
    user_id: str
    content: str | None
    status: str
    version: int
    created_ms: int
    updated_ms: int
    position: Position | None = field(default=None, compare=False, repr=False)
    """Where storage holds it, exactly as stored; None for a todo not read from storage."""


def stored_bytes(todo: Todo) -> int:
    """A todo's text in UTF-8, and a fixed allowance for its names and numbers."""
    content = todo.content or ""
    text = len(content) if content.isascii() else len(content.encode())
    return text + len(todo.id) + len(todo.user_id) + len(todo.status) + _FIXED_BYTES


# Attribute names, version and times, as DynamoDB counts an item's size (a little over).
_FIXED_BYTES = 80


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
    """Where a listing stands: the key of the last item handed out or looked at, exactly as
    stored, so that a listing resumes right after it whatever the item holds.

    `user_id` and `created` are set whenever they are known; a listing by user needs them, a
    listing of the whole table needs only `id`. `created` is the stored `dateCreated` number
    as DynamoDB's decimal text: it may be fractional or out of any date's range.
    """

    id: str
    user_id: str | None = None
    created: str | None = None

    @classmethod
    def of(cls, todo: Todo) -> Position:
        return todo.position or cls(todo.id, todo.user_id, str(todo.created_ms))


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
    max_bytes: int | None = None
    """Stop after the todo that takes the page's todos (`stored_bytes`) to this many."""

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
        "c": position.created,
        "l": [listing.user_id, listing.status, listing.newest_first],
    }
    raw = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()
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
    todo_id, user_id = fields.get("i"), fields.get("u")
    if not _is_key(todo_id) or not (user_id is None or _is_key(user_id)):
        raise InvalidCursor(cursor)
    created = _created(fields.get("c"), cursor)
    if fields.get("l") != [listing.user_id, listing.status, listing.newest_first]:
        raise InvalidCursor(cursor)
    if listing.user_id is not None and (user_id != listing.user_id or created is None):
        raise InvalidCursor(cursor)
    return Position(todo_id, user_id, created)


def _created(value: object, cursor: str) -> str | None:
    """A cursor's `dateCreated`: None, or the stored number's text. Cursors issued before
    numbers were carried as text hold a whole number of milliseconds."""
    if value is None:
        return None
    if type(value) is int and value >= 0:
        return str(value)
    if isinstance(value, str) and is_storable_number(value):
        return value
    raise InvalidCursor(cursor)


# DynamoDB's numbers: up to 38 significant digits, magnitudes from 1e-130 to below 1e126.
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,4})?")
_MAX_NUMBER_TEXT = 200


def is_storable_number(text: str) -> bool:
    """Whether DynamoDB would take `text` as a number (so a cursor cannot smuggle in one that
    it refuses)."""
    if len(text) > _MAX_NUMBER_TEXT or not _NUMBER.fullmatch(text):
        return False
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    if number.is_zero():
        return True
    significant = "".join(map(str, number.as_tuple().digits)).strip("0")
    return len(significant) <= 38 and -130 <= number.adjusted() <= 125


def is_text(value: str) -> bool:
    """Whether `value` is Unicode text that can be stored and sent: no lone surrogates, which
    JSON's `\\ud800` escapes can carry in but UTF-8 cannot carry out."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def is_possible_id(value: str) -> bool:
    """Whether an item could have this id (or owner): 1 to 2048 bytes of UTF-8. Anything else
    is unknown without asking DynamoDB."""
    # Characters first: a string of more characters than the limit's bytes needs no encoding.
    return 0 < len(value) <= MAX_KEY_BYTES and is_text(value) and _bytes(value) <= MAX_KEY_BYTES


def _bytes(value: str) -> int:
    return len(value.encode())


def _is_key(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and is_possible_id(value)
