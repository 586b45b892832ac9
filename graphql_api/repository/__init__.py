"""The repository port: how the service stores and finds todos."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from graphql_api.model import Page, Todo, TodoQuery


class TodoRepository(Protocol):
    """Storage for todos. Writes are conditional: none creates what it was asked to change.

    `update` and `delete` raise `TodoNotFound` for an unknown id, or one whose owner is not
    `owner` when that is given, and `VersionConflict` when `expected_version` is given and
    differs; either way nothing changes. A listing examines no more than `query.max_examined`
    stored items and says how many it did.
    """

    def get(self, todo_id: str) -> Todo | None: ...

    def get_many(self, todo_ids: Sequence[str]) -> dict[str, Todo]:
        """The todos found among `todo_ids`, by id; unknown ids are simply absent."""
        ...

    def list_todos(self, query: TodoQuery) -> Page: ...

    def create(self, todo: Todo) -> None: ...

    def update(
        self,
        todo_id: str,
        *,
        changes: dict[str, str],
        updated_ms: int,
        expected_version: int | None,
        owner: str | None,
    ) -> Todo:
        """Apply `changes` (keys `content`, `status`), stamp `updated_ms`, bump the version."""
        ...

    def delete(self, todo_id: str, *, expected_version: int | None, owner: str | None) -> Todo: ...
