"""Queries, mutations and the `schema` object (exported to `schema.graphql`)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import strawberry
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import NoSchemaIntrospectionCustomRule, OverlappingFieldsCanBeMergedRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.execution import ExecutionContext, ExecutionResult

from graphql_api import errors, request_log
from graphql_api.config import Settings
from graphql_api.gql.context import Info
from graphql_api.gql.cost import CostCache, CostLimit, CostModel
from graphql_api.gql.errors import apply_error_policy, field_error, log_unexpected
from graphql_api.gql.limits import (
    alias_limit_rule,
    overlapping_fields_rule,
    parse_options,
    validation_rules,
)
from graphql_api.gql.types import (
    CreateTodoInput,
    CreateTodoResult,
    DeleteTodoInput,
    DeleteTodoResult,
    TodoConnection,
    TodoNotFoundType,
    TodoOrder,
    TodoType,
    UpdateTodoInput,
    UpdateTodoResult,
    ValidationFailedType,
    VersionConflictType,
)

# Bounds on one document, documented in the README. Aliases bound how many lookups one
# request can batch; tokens and length bound the work of parsing and validating (introspection
# included); graphql-core refuses nesting past 200 levels. The overlapping-fields budget bounds
# the one super-linear standard rule (see gql/limits.py); the cost limit bounds what a request
# reads and resolves (gql/cost.py).
MAX_ALIASES = 30
MAX_TOKENS = 2_000
MAX_DOCUMENT_LENGTH = 64 * 1024
OVERLAP_BUDGET = 10_000
_CACHE_SIZE = 256
# Built once: the validation cache keys on these rule classes, so fresh ones per request
# would never hit it.
_REPLACED_RULES: dict[type[ASTValidationRule], type[ASTValidationRule]] = {
    OverlappingFieldsCanBeMergedRule: overlapping_fields_rule(OVERLAP_BUDGET)
}
_EXTRA_RULES = (alias_limit_rule(MAX_ALIASES),)
_PARSE_OPTIONS = parse_options(max_tokens=MAX_TOKENS, max_length=MAX_DOCUMENT_LENGTH)


@strawberry.type
class Query:
    @strawberry.field(description="One todo by id, or null when there is none.")
    async def todo(self, info: Info, id: strawberry.ID) -> TodoType | None:
        try:
            todo = await info.context.todo_loader.load(id)
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
        except errors.InvalidTodo as exc:
            return ValidationFailedType.from_error(exc)
        except errors.TodoError as exc:
            raise field_error(exc) from exc
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
        except errors.TodoNotFound as exc:
            return TodoNotFoundType.from_error(exc)
        except errors.VersionConflict as exc:
            return VersionConflictType.from_error(exc)
        except errors.InvalidTodo as exc:
            return ValidationFailedType.from_error(exc)
        except errors.TodoError as exc:
            raise field_error(exc) from exc
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
        except errors.TodoNotFound as exc:
            return TodoNotFoundType.from_error(exc)
        except errors.VersionConflict as exc:
            return VersionConflictType.from_error(exc)
        except errors.TodoError as exc:
            raise field_error(exc) from exc
        return TodoType.from_model(todo)


@lru_cache(maxsize=_CACHE_SIZE)
def _parsed(query: str, **options: Any) -> DocumentNode:
    return parse(query, **options)


@lru_cache(maxsize=_CACHE_SIZE)
def _validated(
    schema: GraphQLSchema,
    query: str,
    rules: tuple[type[ASTValidationRule], ...],
    **options: Any,
) -> list[GraphQLError]:
    return validate_document(schema, _parsed(query, **options), rules)


@lru_cache(maxsize=4)
def _rules(
    standard: tuple[type[ASTValidationRule], ...], extra: tuple[type[ASTValidationRule], ...]
) -> tuple[type[ASTValidationRule], ...]:
    return validation_rules(standard, _REPLACED_RULES, extra)


class _Documents(SchemaExtension):
    """Parse each distinct document once within the document limits, validate it once with the
    bounded rules (see gql/limits.py), name the operation in the request's log line, and hold
    it to the cost limit (see gql/cost.py).

    The parse and validation caches key on the document's text: Strawberry's ParserCache and
    ValidationCache do the same, but the latter keys on the parsed document, which Python
    hashes node by node on every request; a string caches its hash. A document that fails to
    parse is not cached (the limits bound its cost). One extension for all of it: Strawberry's
    hooks cost some 15 µs per extension per request, whatever the extension does.
    """

    def __init__(
        self, extra_rules: tuple[type[ASTValidationRule], ...], cost_limit: CostLimit
    ) -> None:
        self.extra_rules = extra_rules
        self.cost_limit = cost_limit

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None  # the endpoint refuses a request without one
        context.graphql_document = _parsed(context.query, **_PARSE_OPTIONS)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None
        rules = _rules(tuple(context.validation_rules), self.extra_rules)
        context.validation_rules = rules
        errors = _validated(context.schema._schema, context.query, rules, **_PARSE_OPTIONS)
        context.pre_execution_errors = list(errors)  # the cached list stays as validated
        yield

    def on_execute(self) -> Iterator[None]:
        if record := request_log.current():
            record.operation_name = self.execution_context.operation_name
            record.operation_type = self.execution_context.operation_type.value
        self.cost_limit.charge(self.execution_context)
        yield

    def get_results(self) -> dict[str, Any]:
        return self.cost_limit.results()


class _Schema(strawberry.Schema):
    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        return apply_error_policy(await super().execute(*args, **kwargs))

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with a traceback; a client's invalid document is not
        # ours to log, an unexpected exception is.
        log_unexpected(errors)


def _extensions(cost: CostModel, *, introspection: bool) -> list[Any]:
    costs = CostCache(_CACHE_SIZE)
    # Introspection is refused by a validation rule, as Strawberry's DisableIntrospection
    # adds it, without an extension of its own.
    extra = _EXTRA_RULES if introspection else (*_EXTRA_RULES, NoSchemaIntrospectionCustomRule)
    return [lambda: _Documents(extra, CostLimit(cost, costs))]


def cost_model(settings: Settings) -> CostModel:
    return CostModel(
        page_size_default=settings.page_size_default,
        page_size_max=settings.page_size_max,
        max_examined=settings.max_examined,
        limit=settings.max_cost,
    )


def create_schema(settings: Settings) -> strawberry.Schema:
    """The schema as settings shape it (its limits, introspection); every one has the same
    SDL."""
    extensions = _extensions(cost_model(settings), introspection=settings.introspection)
    return _Schema(query=Query, mutation=Mutation, extensions=extensions)


schema = create_schema(Settings())
"""With the default settings: what `todo-api export-schema` prints."""
