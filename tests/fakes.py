"""In-memory `TodoRepository` and `DocumentStore`, held equal to the DynamoDB ones by
tests/integration."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

from graphql_api.errors import TodoNotFound, VersionConflict
from graphql_api.model import Page, Position, Todo, TodoQuery, stored_bytes
from graphql_api.repository import Claim, Claimed
from graphql_api.repository.documents import StoredDocument, TrustedDocument


class InMemoryTodoRepository:
    def __init__(self) -> None:
        self.todos: dict[str, Todo] = {}
        self.claims: dict[str, tuple[Claim, Todo]] = {}

    def get(self, todo_id: str) -> Todo | None:
        return self.todos.get(todo_id)

    def get_many(self, todo_ids: Sequence[str]) -> dict[str, Todo]:
        return {i: self.todos[i] for i in todo_ids if i in self.todos}

    def list_todos(self, query: TodoQuery) -> Page:
        ordered = self._ordered(query)
        if query.after is not None:
            keys = [self._sort_key(todo, query) for todo in ordered]
            after = self._position_key(query.after, query)
            ordered = [t for t, k in zip(ordered, keys, strict=True) if _beyond(k, after, query)]
        matches: list[Todo] = []
        bytes_left = query.max_bytes
        for examined, todo in enumerate(ordered, start=1):
            if query.status is None or todo.status == query.status:
                matches.append(todo)
                if bytes_left is not None:
                    bytes_left -= stored_bytes(todo)
            if len(matches) > query.first or (bytes_left is not None and bytes_left <= 0):
                todos = tuple(matches[: query.first])
                return Page(todos, True, Position.of(todos[-1]), query.listing, examined)
            if examined == query.max_examined and examined < len(ordered):
                return Page(tuple(matches), True, Position.of(todo), query.listing, examined)
        return Page(tuple(matches), False, None, query.listing, len(ordered))

    def create(self, todo: Todo) -> None:
        assert todo.id not in self.todos
        self.todos[todo.id] = todo

    def create_once(self, todo: Todo, claim: Claim) -> Claimed:
        earlier = self.claims.get(claim.key)
        if earlier is not None and earlier[0].expires_s >= claim.now_s:
            return Claimed(earlier[1], earlier[0].fingerprint, created=False)
        self.create(todo)
        self.claims[claim.key] = (claim, todo)
        return Claimed(todo, claim.fingerprint, created=True)

    def update(
        self,
        todo_id: str,
        *,
        changes: dict[str, str],
        updated_ms: int,
        expected_version: int | None,
        owner: str | None,
    ) -> Todo:
        todo = self._checked(todo_id, expected_version, owner)
        updated = dataclasses.replace(
            todo,
            content=changes.get("content", todo.content),
            status=changes.get("status", todo.status),
            updated_ms=updated_ms,
            version=todo.version + 1,
        )
        self.todos[todo_id] = updated
        return updated

    def delete(self, todo_id: str, *, expected_version: int | None, owner: str | None) -> Todo:
        todo = self._checked(todo_id, expected_version, owner)
        del self.todos[todo_id]
        return todo

    def _checked(self, todo_id: str, expected_version: int | None, owner: str | None) -> Todo:
        todo = self.todos.get(todo_id)
        if todo is None or (owner is not None and todo.user_id != owner):
            raise TodoNotFound(todo_id)
        if expected_version is not None and todo.version != expected_version:
            raise VersionConflict(todo_id, expected_version, todo.version)
        return todo

    def _ordered(self, query: TodoQuery) -> list[Todo]:
        todos = self.todos.values()
        if query.user_id is None:
            return sorted(todos, key=lambda t: t.id)
        mine = [t for t in todos if t.user_id == query.user_id]
        return sorted(mine, key=lambda t: (t.created_ms, t.id), reverse=query.newest_first)

    @staticmethod
    def _sort_key(todo: Todo, query: TodoQuery) -> tuple[Decimal, str]:
        return (Decimal(todo.created_ms if query.user_id is not None else 0), todo.id)

    @staticmethod
    def _position_key(position: Position, query: TodoQuery) -> tuple[Decimal, str]:
        created = Decimal(position.created or 0)
        return (created if query.user_id is not None else Decimal(0), position.id)


def _beyond(key: tuple[Decimal, str], after: tuple[Decimal, str], query: TodoQuery) -> bool:
    newest_first = query.user_id is not None and query.newest_first
    return key < after if newest_first else key > after


class InMemoryDocumentStore:
    def __init__(self) -> None:
        self.documents: dict[str, StoredDocument] = {}

    def find(self, sha256: str, *, now: float) -> StoredDocument | None:
        document = self.documents.get(sha256)
        if document is None or (document.expires_at is not None and document.expires_at < now):
            return None
        return document

    def remember(self, sha256: str, body: str, *, expires_at: int) -> None:
        stored = self.documents.get(sha256)
        if stored is None or not stored.trusted:
            self.documents[sha256] = StoredDocument(body, trusted=False, expires_at=expires_at)

    def trust(self, documents: Sequence[TrustedDocument]) -> None:
        for document in documents:
            self.documents[document.sha256] = StoredDocument(
                document.body, trusted=True, expires_at=None
            )
