"""The rules: ids, timestamps, versions, ownership, validation. Raises domain errors only.

Every operation takes the `Caller`: a caller sees and changes only its own todos (another's
do not exist for it), unless it is an admin. On the open API (`OPEN_ACCESS`) everyone may do
everything, as the legacy API allowed. Reads draw on the request's `Budget`.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from graphql_api.budget import Budget
from graphql_api.errors import (
    BudgetExhausted,
    Forbidden,
    IdempotencyKeyReused,
    InvalidQuery,
    InvalidTodo,
    TodoNotFound,
)
from graphql_api.model import (
    MAX_CONTENT_LENGTH,
    MAX_STATUS_LENGTH,
    MAX_USER_ID_LENGTH,
    PENDING,
    Caller,
    Listing,
    Page,
    Position,
    Todo,
    TodoQuery,
    decode_cursor,
    is_possible_id,
    is_text,
)
from graphql_api.repository import Claim, TodoRepository

# Unfiltered, so one DynamoDB read of at most 1 MB per page.
_SWEEP_PAGE = 1_000
# Room for any common key format (a UUID, a ULID, 32 random bytes in base64) and more.
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_TTL_S = 24 * 60 * 60


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class PageSizes:
    default: int = 20
    maximum: int = 100
    max_examined: int = 1_000
    """Stored items one page may look at, filtered-out ones included."""


class Sweep:
    """A listing read lazily, in large pages, to its end or until the budget runs out:
    `cut_short` tells which, once iterated."""

    def __init__(self, repository: TodoRepository, query: TodoQuery, budget: Budget) -> None:
        self.listing = query.listing
        self.cut_short = False
        self._repository = repository
        self._query = query
        self._budget = budget

    def __iter__(self) -> Iterator[Todo]:
        query = self._query
        while True:
            try:
                allowance = self._budget.reserve(query.max_examined)
            except BudgetExhausted:
                self.cut_short = True
                return
            bounded = replace(query, max_examined=allowance, max_bytes=self._budget.bytes_left)
            page = self._repository.list_todos(bounded)
            self._budget.release(allowance - page.examined)
            self._budget.count_read(page.todos)
            yield from page.todos
            if not page.has_next:
                return
            query = replace(query, after=page.end)


class TodoService:
    def __init__(
        self,
        repository: TodoRepository,
        *,
        page_sizes: PageSizes = PageSizes(),
        clock: Callable[[], int] = _now_ms,
        new_id: Callable[[], str] = _new_id,
        idempotency_ttl_s: int = IDEMPOTENCY_TTL_S,
    ) -> None:
        self._repository = repository
        self._page_sizes = page_sizes
        self._clock = clock
        self._new_id = new_id
        self._idempotency_ttl_s = idempotency_ttl_s

    def get(self, caller: Caller, budget: Budget, todo_id: str) -> Todo | None:
        return self.get_many(caller, budget, [todo_id])[0]

    def get_many(
        self, caller: Caller, budget: Budget, todo_ids: Sequence[str]
    ) -> list[Todo | None]:
        """One todo or None per id, in the order asked; another user's todo reads as None."""
        possible = list(dict.fromkeys(i for i in todo_ids if is_possible_id(i)))
        found = {}
        if possible:
            budget.reserve(len(possible))
            found = self._repository.get_many(possible)
            budget.count_read(found.values())
        return [_visible(caller, found.get(todo_id)) for todo_id in todo_ids]

    def list_todos(
        self,
        caller: Caller,
        budget: Budget,
        *,
        first: int | None = None,
        after: str | None = None,
        user_id: str | None = None,
        status: str | None = None,
        newest_first: bool = True,
    ) -> Page:
        size = self._page_size(first)
        if status is not None:
            _check_text("status", status, MAX_STATUS_LENGTH, error=InvalidQuery)
        listing = Listing(_listed_user(caller, user_id), status, newest_first)
        query = TodoQuery(
            size,
            _start(after, listing),
            listing.user_id,
            status,
            newest_first,
            max_examined=budget.reserve(self._page_sizes.max_examined),
            max_bytes=budget.bytes_left,
        )
        page = self._repository.list_todos(query)
        budget.release(query.max_examined - page.examined)
        budget.count_read(page.todos)
        return page

    def sweep(
        self,
        caller: Caller,
        budget: Budget,
        *,
        after: str | None = None,
        user_id: str | None = None,
    ) -> Sweep:
        """Every todo after `after` (one user's, oldest first, with `user_id`), for callers
        that take as many as they can carry."""
        listing = Listing(_listed_user(caller, user_id), newest_first=False)
        query = TodoQuery(_SWEEP_PAGE, _start(after, listing), listing.user_id, newest_first=False)
        return Sweep(self._repository, query, budget)

    def create(
        self,
        caller: Caller,
        budget: Budget,
        *,
        user_id: str | None,
        content: str | None,
        idempotency_key: str | None = None,
    ) -> Todo:
        """A new pending todo at version 1, the caller's unless an admin names another owner.
        `content` may be left out, as legacy callers do.

        With `idempotency_key`, a retry (same caller, same key, same input, before the key
        expires) creates nothing and returns the todo as the first request created it, even if
        it has changed or gone since; the same key with other input is `IdempotencyKeyReused`.
        A request refused here (invalid, forbidden) claims no key.
        """
        owner = user_id if user_id is not None else caller.user_id
        if owner is None:
            raise InvalidTodo("userId", "is required")
        _check_text("userId", owner, MAX_USER_ID_LENGTH)
        if content is not None:
            _check_text("content", content, MAX_CONTENT_LENGTH)
        if idempotency_key is not None:
            _check_idempotency_key(idempotency_key)
        if not caller.may_act_for(owner):
            raise Forbidden("userId", "must be your own user id")
        budget.check_time()
        now = self._clock()
        todo = Todo(self._new_id(), owner, content, PENDING, 1, now, now)
        if idempotency_key is None:
            self._repository.create(todo)
            return todo
        return self._create_once(caller, todo, idempotency_key)

    def _create_once(self, caller: Caller, todo: Todo, idempotency_key: str) -> Todo:
        now_s = todo.created_ms // 1000
        claim = Claim(
            key=_scoped_key(caller, todo.user_id, idempotency_key),
            fingerprint=_fingerprint(todo.user_id, todo.content),
            now_s=now_s,
            expires_s=now_s + self._idempotency_ttl_s,
        )
        claimed = self._repository.create_once(todo, claim)
        if claimed.fingerprint != claim.fingerprint:
            raise IdempotencyKeyReused(idempotency_key)
        return claimed.todo

    def update(
        self,
        caller: Caller,
        budget: Budget,
        todo_id: str,
        *,
        content: str | None = None,
        status: str | None = None,
        expected_version: int | None = None,
    ) -> Todo:
        """Change what is given (None leaves a field as it is); always a new version."""
        changes: dict[str, str] = {}
        if content is not None:
            changes["content"] = _check_text("content", content, MAX_CONTENT_LENGTH)
        if status is not None:
            changes["status"] = _check_text("status", status, MAX_STATUS_LENGTH)
        if not is_possible_id(todo_id):
            raise TodoNotFound(todo_id)
        budget.check_time()
        return self._repository.update(
            todo_id,
            changes=changes,
            updated_ms=self._clock(),
            expected_version=expected_version,
            owner=_owner_condition(caller),
        )

    def delete(
        self, caller: Caller, budget: Budget, todo_id: str, *, expected_version: int | None = None
    ) -> Todo:
        if not is_possible_id(todo_id):
            raise TodoNotFound(todo_id)
        budget.check_time()
        return self._repository.delete(
            todo_id, expected_version=expected_version, owner=_owner_condition(caller)
        )

    def _page_size(self, first: int | None) -> int:
        if first is None:
            return self._page_sizes.default
        if not 1 <= first <= self._page_sizes.maximum:
            raise InvalidQuery("first", f"must be between 1 and {self._page_sizes.maximum}")
        return first


def _check_idempotency_key(key: str) -> None:
    if not key:
        raise InvalidTodo("idempotencyKey", "must not be empty")
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidTodo(
            "idempotencyKey", f"must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters long"
        )
    if not all("!" <= c <= "~" for c in key):
        raise InvalidTodo(
            "idempotencyKey", "must be visible ASCII characters only (no spaces or controls)"
        )


def _scoped_key(caller: Caller, owner: str, key: str) -> str:
    """The key as stored: one caller's keys never meet another's. On the open API, where no
    caller has an identity, the todo's owner is the scope, so separate clients' keys (`"1"`)
    neither collide nor reveal each other. Hashed, so it is bounded and names no user."""
    scope = ["caller", caller.user_id] if caller.user_id is not None else ["owner", owner]
    scoped = json.dumps([*scope, key], separators=(",", ":"))
    return hashlib.sha256(scoped.encode()).hexdigest()


def _fingerprint(owner: str, content: str | None) -> str:
    """What a retry must repeat: the input that decides the todo created."""
    return hashlib.sha256(json.dumps([owner, content]).encode()).hexdigest()


def _visible(caller: Caller, todo: Todo | None) -> Todo | None:
    return todo if todo is not None and caller.may_act_for(todo.user_id) else None


def _owner_condition(caller: Caller) -> str | None:
    """The owner a write must find on the item; None where the caller may change any."""
    return None if caller.admin else caller.user_id


def _listed_user(caller: Caller, user_id: str | None) -> str | None:
    """Whose todos a listing walks: the one asked for, else the caller's own (everyone's for
    an admin, who alone may walk the whole table)."""
    if user_id is None:
        return None if caller.admin else caller.user_id
    _check_text("userId", user_id, MAX_USER_ID_LENGTH, error=InvalidQuery)
    if not caller.may_act_for(user_id):
        raise Forbidden("userId", "must be your own user id")
    return user_id


def _start(after: str | None, listing: Listing) -> Position | None:
    """Where a listing starts; a cursor of another listing is refused."""
    return decode_cursor(after, listing) if after is not None else None


def _check_text(
    field: str,
    value: str,
    max_length: int,
    *,
    error: type[InvalidTodo] | type[InvalidQuery] = InvalidTodo,
) -> str:
    if not value.strip():
        raise error(field, "must not be empty")
    if len(value) > max_length:
        raise error(field, f"must be at most {max_length} characters long")
    if not is_text(value):
        raise error(field, "must be valid Unicode text (it holds a lone surrogate)")
    return value
