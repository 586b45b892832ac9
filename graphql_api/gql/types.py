"""GraphQL output types, inputs and result unions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Annotated

import strawberry

from graphql_api import codes, errors
from graphql_api.model import Page, Position, Todo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _datetime(epoch_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=epoch_ms)


@strawberry.type(name="Todo", description="A todo. Every change raises `version` by one.")
class TodoType:
    id: strawberry.ID
    user_id: str = strawberry.field(description="The owner.")
    content: str | None = strawberry.field(
        description="The text; null only on items the legacy API stored without it."
    )
    status: str = strawberry.field(
        description='Free text: "pending" on creation, then whatever callers set.'
    )
    version: int = strawberry.field(description="1 on creation, one more on every change.")
    date_created: datetime = strawberry.field(description="Creation time, UTC.")
    date_updated: datetime = strawberry.field(description="Time of the last change, UTC.")

    @classmethod
    def from_model(cls, todo: Todo) -> TodoType:
        return cls(
            id=strawberry.ID(todo.id),
            user_id=todo.user_id,
            content=todo.content,
            status=todo.status,
            version=todo.version,
            date_created=_datetime(todo.created_ms),
            date_updated=_datetime(todo.updated_ms),
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page. It can lie past the last edge when "
        "the page stopped at its work bound."
    )


@strawberry.type
class TodoEdge:
    cursor: str
    node: TodoType


@strawberry.type(description="A page of todos.")
class TodoConnection:
    edges: list[TodoEdge]
    page_info: PageInfo

    @strawberry.field(description="The edges' nodes, for clients that need no cursors.")
    def nodes(self) -> list[TodoType]:
        return [edge.node for edge in self.edges]

    @classmethod
    def from_page(cls, page: Page) -> TodoConnection:
        edges = [
            TodoEdge(cursor=page.cursor(Position.of(todo)), node=TodoType.from_model(todo))
            for todo in page.todos
        ]
        page_info = PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor)
        return cls(edges=edges, page_info=page_info)


@strawberry.enum(description="Order of one user's todos by creation time.")
class TodoOrder(Enum):
    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


@strawberry.enum(description="Stable, machine-readable codes of expected mutation failures.")
class ErrorCode(Enum):
    NOT_FOUND = codes.NOT_FOUND
    VERSION_CONFLICT = codes.VERSION_CONFLICT
    VALIDATION_FAILED = codes.VALIDATION_FAILED


@strawberry.interface(name="Error", description="An expected failure; nothing was changed.")
class ErrorType:
    code: ErrorCode
    message: str


@strawberry.type(name="TodoNotFound")
class TodoNotFoundType(ErrorType):
    id: strawberry.ID


@strawberry.type(name="VersionConflict")
class VersionConflictType(ErrorType):
    id: strawberry.ID
    expected_version: int
    current_version: int


@strawberry.type(name="ValidationFailed")
class ValidationFailedType(ErrorType):
    field: str = strawberry.field(description="The input field at fault, as named in the schema.")


# What each mutation may answer instead of a todo (gql/errors.result_for picks the member).
CreateFailure = ValidationFailedType
UpdateFailure = TodoNotFoundType | VersionConflictType | ValidationFailedType
DeleteFailure = TodoNotFoundType | VersionConflictType
CreateTodoResult = Annotated[TodoType | CreateFailure, strawberry.union("CreateTodoResult")]
UpdateTodoResult = Annotated[TodoType | UpdateFailure, strawberry.union("UpdateTodoResult")]
DeleteTodoResult = Annotated[TodoType | DeleteFailure, strawberry.union("DeleteTodoResult")]


@strawberry.input
class CreateTodoInput:
    user_id: str | None = strawberry.field(
        default=None,
        description="The owner: the caller when left out. Required on an API without "
        "authentication; with it, only an admin may name another user.",
    )
    content: str
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Makes retries safe: a retry with the same key and input (within 24 hours "
        "by default) creates nothing and returns the todo as first created; the same key "
        "with other input fails with IDEMPOTENCY_KEY_REUSED. 1-255 visible ASCII characters "
        "(a UUID, say); keys are the caller's own.",
    )


@strawberry.input(description="Fields left out stay as they are; null is not a value here.")
class UpdateTodoInput:
    id: strawberry.ID
    # Null passes the schema so that it can be refused as the other bad values are, with
    # ValidationFailed, rather than with a message about Python types.
    content: strawberry.Maybe[str | None]
    status: strawberry.Maybe[str | None]
    expected_version: int | None = strawberry.field(
        default=None, description="Refuse the update unless the todo is at this version."
    )

    def changes(self) -> tuple[str | None, str | None]:
        """The new content and status, None where left out; InvalidTodo for a null."""
        return _given(self.content, "content"), _given(self.status, "status")


def _given(value: strawberry.Maybe[str | None], field: str) -> str | None:
    if value is None:
        return None
    if value.value is None:
        raise errors.InvalidTodo(field, "cannot be null; leave it out to keep it as it is")
    return value.value


@strawberry.input
class DeleteTodoInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Refuse the deletion unless the todo is at this version."
    )
