"""The repository port: how the service stores and finds todos."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from graphql_api.model import Page, Todo, TodoQuery


@dataclass(frozen=True, slots=True)
class Claim:
    """An idempotency key claimed by one create, until `expires_s` (epoch seconds).

    `key` is already scoped to its owner; `fingerprint` identifies the request, so that a retry
    can be told from another request under the same key. A claim whose `expires_s` is before
    `now_s` counts as absent, whether or not storage has deleted it yet.
    """

    key: str
    fingerprint: str
    now_s: int
    expires_s: int


@dataclass(frozen=True, slots=True)
class Claimed:
    """The create a key stands for: the todo as it was created, the fingerprint of the request
    that created it, and whether this call was that request."""

    todo: Todo
    fingerprint: str
    created: bool


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

    def create_once(self, todo: Todo, claim: Claim) -> Claimed:
        """Create `todo` and claim `claim.key` for it, both or neither; where the key is already
        claimed (and not expired), create nothing and return the earlier create. Two calls with
        the same key at once create one todo between them."""
        ...

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
