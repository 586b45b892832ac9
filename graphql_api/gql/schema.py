"""Queries, mutations and the `schema` object (exported to `schema.graphql`); gql/engine.py
runs operations on it."""

from __future__ import annotations

from typing import get_args

import strawberry
from graphql import FieldNode, OperationDefinitionNode

from graphql_api import errors
from graphql_api.gql.context import Info
from graphql_api.gql.errors import Failures, field_error
from graphql_api.gql.types import (
    CreateFailure,
    CreateTodoInput,
    CreateTodoResult,
    DeleteFailure,
    DeleteTodoInput,
    DeleteTodoResult,
    TodoConnection,
    TodoOrder,
    TodoType,
    UpdateFailure,
    UpdateTodoInput,
    UpdateTodoResult,
)

_CREATE_FAILURES: Failures[CreateFailure] = (CreateFailure,)
_UPDATE_FAILURES: Failures[UpdateFailure] = get_args(UpdateFailure)
_DELETE_FAILURES: Failures[DeleteFailure] = get_args(DeleteFailure)


@strawberry.type
class Query:
    @strawberry.field(description="One todo by id, or null when there is none.")
    async def todo(self, info: Info, id: strawberry.ID) -> TodoType | None:
        context = info.context
        try:
            if _lone_lookup(info.operation):  # nothing to batch with: a GetItem, now
                todo = await context.run(context.service.get, context.caller, context.budget, id)
            else:
                todo = await context.todo_loader.load(id)
        except errors.TodoError as exc:
            raise field_error(exc) from exc
        return TodoType.from_model(todo) if todo else None

    @strawberry.field(
        description="A page of todos: `first` of them (default 20, at most 100) after the "
        "cursor `after`. With `userId`, that user's todos in creation order (`order`); "
        "without, the caller's own (every todo in storage order on an open API, or for an "
        "admin). `status` keeps only todos with that status; a page looks at no more than "
        "1,000 stored todos (fewer when the request's budget is nearly spent), and where that "
        "bound stops it, `pageInfo.hasNextPage` is true and `endCursor` resumes there."
    )
    async def todos(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        user_id: str | None = None,
        status: str | None = None,
        order: TodoOrder = TodoOrder.NEWEST_FIRST,
    ) -> TodoConnection | None:
        context = info.context
        try:
            page = await context.run(
                context.service.list_todos,
                context.caller,
                context.budget,
                first=first,
                after=after,
                user_id=user_id,
                status=status,
                newest_first=order is TodoOrder.NEWEST_FIRST,
            )
        except errors.TodoError as exc:
            raise field_error(exc) from exc
        return TodoConnection.from_page(page)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a pending todo at version 1, owned by the caller (or by `userId`, "
        "which only an admin may set to another user)."
    )
    async def create_todo(self, info: Info, input: CreateTodoInput) -> CreateTodoResult | None:
        context = info.context
        try:
            todo = await context.run(
                context.service.create,
                context.caller,
                context.budget,
                user_id=input.user_id,
                content=input.content,
                idempotency_key=input.idempotency_key,
            )
        except errors.TodoError as exc:
            return context.failed(exc, _CREATE_FAILURES)
        return TodoType.from_model(todo)

    @strawberry.mutation(description="Change the fields given; the version goes up by one.")
    async def update_todo(self, info: Info, input: UpdateTodoInput) -> UpdateTodoResult | None:
        context = info.context
        try:
            content, status = input.changes()
            todo = await context.run(
                context.service.update,
                context.caller,
                context.budget,
                input.id,
                content=content,
                status=status,
                expected_version=input.expected_version,
            )
        except errors.TodoError as exc:
            return context.failed(exc, _UPDATE_FAILURES)
        return TodoType.from_model(todo)

    @strawberry.mutation(description="Delete a todo; returns it as it was.")
    async def delete_todo(self, info: Info, input: DeleteTodoInput) -> DeleteTodoResult | None:
        context = info.context
        try:
            todo = await context.run(
                context.service.delete,
                context.caller,
                context.budget,
                input.id,
                expected_version=input.expected_version,
            )
        except errors.TodoError as exc:
            return context.failed(exc, _DELETE_FAILURES)
        return TodoType.from_model(todo)


def _lone_lookup(operation: OperationDefinitionNode) -> bool:
    """The operation looks up one todo only: one `todo` field at its root, and no fragment
    there that could hold more. (`todo` is a root field: nothing else can select it.)"""
    selections = operation.selection_set.selections
    if not all(isinstance(selection, FieldNode) for selection in selections):
        return False
    return sum(selection.name.value == "todo" for selection in selections) == 1  # type: ignore[attr-defined]


schema = strawberry.Schema(query=Query, mutation=Mutation)
