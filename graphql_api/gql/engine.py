"""The engine: how one GraphQL operation runs, from its text to its result.

Each step, in order, for every request and every operation of a batch:

1. parse the text (cached by text) within the document limits;
2. validate it (cached by text) with the bounded rules of gql/limits.py, and without
   introspection where settings turn it off;
3. pick the operation (400 where the request names none of the document's, or names none
   and the document has several) and check that the request may run its type (405 for a
   mutation sent with GET);
4. name the operation in the request's log line, and price it against the cost limit
   (gql/cost.py) before any resolver runs;
5. execute it with graphql-core on Strawberry's schema, whose resolvers are Strawberry's;
6. log unexpected errors, give every error a code and mask the unexpected (gql/errors.py).

Strawberry's `Schema.execute` takes the same steps through its extension runner: its hooks and
contexts cost 20-40 µs a request here whatever the extensions do (bench/README.md), and its
validation cache keys on the parsed document, which Python hashes node by node each time.
These are the steps alone, in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from inspect import isawaitable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule
from strawberry.execution import optimized_is_awaitable
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from graphql_api import codes, request_log
from graphql_api.config import Settings
from graphql_api.gql.context import Context, CostAccount
from graphql_api.gql.cost import CostLimit, CostLimitExceeded, CostModel, WriteLimitExceeded
from graphql_api.gql.errors import finish
from graphql_api.gql.limits import (
    alias_limit_rule,
    overlapping_fields_rule,
    parse_options,
    validation_rules,
)
from graphql_api.gql.schema import schema
from graphql_api.refusal import Refusal

# Bounds on one document, documented in docs/limits.md. Aliases bound how many lookups one
# request can batch; tokens and length bound the work of parsing and validating (introspection
# included); graphql-core refuses nesting past 200 levels. The overlapping-fields budget bounds
# the one super-linear standard rule (see gql/limits.py); the cost limit bounds what a request
# reads and resolves (gql/cost.py).
MAX_ALIASES = 30
MAX_TOKENS = 2_000
MAX_DOCUMENT_LENGTH = 64 * 1024
OVERLAP_BUDGET = 10_000
CACHE_SIZE = 256
"""Distinct documents whose parse, validation and static cost each cache keeps."""

ALL_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
_PARSE_OPTIONS = parse_options(max_tokens=MAX_TOKENS, max_length=MAX_DOCUMENT_LENGTH)
# Strawberry's check, cheaper than graphql-core's own on every field's result.
_is_awaitable = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)
_BOUNDED_RULES = validation_rules(
    specified_rules,
    {OverlappingFieldsCanBeMergedRule: overlapping_fields_rule(OVERLAP_BUDGET)},
    (alias_limit_rule(MAX_ALIASES),),
)


@lru_cache(maxsize=CACHE_SIZE)
def _parsed(query: str) -> DocumentNode:
    """A document that fails to parse raises, and is not cached: the limits bound its cost."""
    return parse(query, **_PARSE_OPTIONS)


class Engine:
    """Runs operations on `schema` within the document limits and a cost model; one per app,
    its caches shared by every request."""

    def __init__(
        self, schema: strawberry.Schema, cost: CostModel, *, introspection: bool = True
    ) -> None:
        self._schema = schema
        self._graphql_schema = schema._schema  # what graphql-core executes and validates
        self._rules: tuple[type[ASTValidationRule], ...] = (
            _BOUNDED_RULES if introspection else (*_BOUNDED_RULES, NoSchemaIntrospectionCustomRule)
        )
        self._cost = CostLimit(cost, self._graphql_schema, CACHE_SIZE)
        self._validated = lru_cache(maxsize=CACHE_SIZE)(self._validate)

    def problems(self, query: str) -> list[GraphQLError]:
        """Why a request with this document would fail before execution: nothing when it
        parses and validates under the rules every request is held to."""
        try:
            _parsed(query)
        except GraphQLError as error:
            return [error]
        return list(self._validated(query))

    async def execute(
        self,
        query: str,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] = ALL_OPERATIONS,
    ) -> ExecutionResult:
        """The result of one operation, as it is sent (gql/errors.finish); Refusal where the
        request names no operation of the document or may not run its type."""
        context = context_value if isinstance(context_value, Context) else None
        result = await self._result(
            query, variable_values, context_value, operation_name, allowed_operation_types
        )
        return finish(result, context.answered if context else ())

    async def _result(
        self,
        query: str,
        variable_values: dict[str, Any] | None,
        context_value: Any,
        operation_name: str | None,
        allowed_operation_types: Iterable[OperationType],
    ) -> ExecutionResult:
        try:
            document = _parsed(query)
        except GraphQLError as error:
            return PreExecutionError(data=None, errors=[error])
        if errors := self._validated(query):
            return PreExecutionError(data=None, errors=list(errors))
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                "The document has more than one operation: name the one to run in operationName."
                if operation_name is None
                else f'The document has no operation named "{operation_name}".'
            )
            raise Refusal(400, codes.BAD_REQUEST, message)
        kind = OperationType(operation.operation.value)
        if kind not in allowed_operation_types:
            raise Refusal(
                405,
                codes.METHOD_NOT_ALLOWED,
                "Mutations must be sent with POST.",
                {"Allow": "POST"},
            )
        if record := request_log.current():
            record.operation_name = operation.name.value if operation.name else None
            record.operation_type = kind.value
        account = context_value.cost if isinstance(context_value, Context) else CostAccount()
        try:
            price = self._cost.charge(query, document, operation_name, variable_values, account)
        except (CostLimitExceeded, WriteLimitExceeded) as refusal:
            return ExecutionResult(data=None, errors=[refusal])
        result = execute(
            self._graphql_schema,
            document,
            context_value=context_value,
            variable_values=variable_values,
            operation_name=operation_name,
            executor_class=self._schema.execution_context_class,
            is_awaitable=_is_awaitable,
        )
        if isawaitable(result):
            result = await result
        return ExecutionResult(result.data, result.errors, self._cost.extensions(price))

    def _validate(self, query: str) -> tuple[GraphQLError, ...]:
        return tuple(validate(self._graphql_schema, _parsed(query), self._rules))


def create_engine(settings: Settings) -> Engine:
    """The engine as settings shape it: its cost model and whether introspection is served;
    the schema (and its SDL) is the same for all."""
    return Engine(schema, cost_model(settings), introspection=settings.introspection)


def cost_model(settings: Settings) -> CostModel:
    return CostModel(
        page_size_default=settings.page_size_default,
        page_size_max=settings.page_size_max,
        max_examined=settings.max_examined,
        limit=settings.max_cost,
        max_writes=settings.request_max_writes,
        max_write_bytes=settings.request_max_write_bytes,
    )
