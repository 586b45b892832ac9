"""The rules: ids, timestamps, versions, validation. Raises domain errors only."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from graphql_api.errors import InvalidCursor, InvalidQuery, InvalidTodo, TodoNotFound
from graphql_api.model import (
    MAX_CONTENT_LENGTH,
    MAX_STATUS_LENGTH,
    MAX_USER_ID_LENGTH,
    PENDING,
    Page,
    Position,
    Todo,
    TodoQuery,
    decode_cursor,
    is_possible_id,
)
from graphql_api.repository import TodoRepository

# Unfiltered, so one DynamoDB read of at most 1 MB per page.
_SWEEP_PAGE = 1_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class PageSizes:
    default: int = 20
    maximum: int = 100


class TodoService:
    def __init__(
        self,
        repository: TodoRepository,
        *,
        page_sizes: PageSizes = PageSizes(),
        clock: Callable[[], int] = _now_ms,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self._repository = repository
        self._page_sizes = page_sizes
        self._clock = clock
        self._new_id = new_id

    def get(self, todo_id: str) -> Todo | None:
        return self._repository.get(todo_id) if is_possible_id(todo_id) else None

    def get_many(self, todo_ids: Sequence[str]) -> list[Todo | None]:
        """One todo or None per id, in the order asked."""
        possible = [todo_id for todo_id in todo_ids if is_possible_id(todo_id)]
        found = self._repository.get_many(possible) if possible else {}
        return [found.get(todo_id) for todo_id in todo_ids]

    def list_todos(
        self,
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
        position = _start(after, user_id)
        query = TodoQuery(size, position, user_id, status, newest_first)
        return self._repository.list_todos(query)

    def iterate_todos(
        self, *, after: str | None = None, user_id: str | None = None
    ) -> Iterator[Todo]:
        """Every todo after `after` (one user's, oldest first, with `user_id`), read lazily in
        large pages, for callers that take as many as they can carry."""
        query = TodoQuery(_SWEEP_PAGE, _start(after, user_id), user_id, newest_first=False)
        while True:
            page = self._repository.list_todos(query)
            yield from page.todos
            if not page.has_next:
                return
            query = replace(query, after=page.end)

    def create(self, *, user_id: str, content: str | None) -> Todo:
        """A new pending todo at version 1. `content` may be left out, as legacy callers do."""
        _check_text("userId", user_id, MAX_USER_ID_LENGTH)
        if content is not None:
            _check_text("content", content, MAX_CONTENT_LENGTH)
        now = self._clock()
        todo = Todo(self._new_id(), user_id, content, PENDING, 1, now, now)
        self._repository.create(todo)
        return todo

    def update(
        self,
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
        return self._repository.update(
            todo_id, changes=changes, updated_ms=self._clock(), expected_version=expected_version
        )

    def delete(self, todo_id: str, *, expected_version: int | None = None) -> Todo:
        if not is_possible_id(todo_id):
            raise TodoNotFound(todo_id)
        return self._repository.delete(todo_id, expected_version=expected_version)

    def _page_size(self, first: int | None) -> int:
        if first is None:
            return self._page_sizes.default
        if not 1 <= first <= self._page_sizes.maximum:
            raise InvalidQuery("first", f"must be between 1 and {self._page_sizes.maximum}")
        return first


def _start(after: str | None, user_id: str | None) -> Position | None:
    """Where a listing starts; a cursor of another listing is refused."""
    if user_id is not None:
        _check_text("userId", user_id, MAX_USER_ID_LENGTH, error=InvalidQuery)
    if after is None:
        return None
    position = decode_cursor(after)
    if user_id is not None and (position.user_id != user_id or position.created_ms is None):
        raise InvalidCursor(after)
    return position


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
    return value
