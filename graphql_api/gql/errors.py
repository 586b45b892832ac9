"""Error codes on every entry of a response's `errors`, and masking of unexpected ones.

Request errors (a document that does not parse or validate, variables that do not fit) and
unusable query arguments carry a code; an exception nobody expected becomes
"Internal server error." with code INTERNAL_SERVER_ERROR, and its detail goes to the log only.
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.types.execution import ExecutionResult, PreExecutionError

from graphql_api import codes
from graphql_api.errors import (
    DeadlineReached,
    Forbidden,
    IdempotencyKeyReused,
    InvalidQuery,
    ReadLimitReached,
    ServiceUnavailable,
    TodoError,
)
from graphql_api.request_log import note_code, note_fault, note_unexpected


def field_error(error: TodoError) -> GraphQLError:
    """A domain error that fails one field (the rest of the response keeps its data)."""
    extensions: dict[str, object]
    match error:
        case InvalidQuery():
            extensions = {"code": codes.BAD_USER_INPUT, "argument": error.argument}
        case Forbidden():
            extensions = {"code": codes.FORBIDDEN, "argument": error.field}
        case ReadLimitReached():
            extensions = {"code": codes.READ_LIMIT_EXCEEDED, "limit": error.limit}
        case DeadlineReached():
            extensions = {"code": codes.DEADLINE_EXCEEDED}
        case ServiceUnavailable():
            note_fault(error.reason, error.operation)
            extensions = {
                "code": codes.SERVICE_UNAVAILABLE,
                "reason": error.reason,
                "retryAfter": error.retry_after,
            }
        case IdempotencyKeyReused():
            extensions = {"code": codes.IDEMPOTENCY_KEY_REUSED, "argument": "idempotencyKey"}
        case _:
            raise error
    return GraphQLError(str(error), extensions=extensions)


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver (or a hook of ours) raised something other than a deliberate GraphQLError.

    A validation error points at the document and has no path; its original error, if any, is
    a scalar refusing the client's literal (an Int of 5,000 digits), not a fault of ours.
    """
    original = error.original_error
    from_validation = bool(error.nodes) and error.path is None
    return original is not None and not isinstance(original, GraphQLError) and not from_validation


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if error.original_error is not None and is_unexpected(error):
            note_unexpected(error.original_error, ".".join(map(str, error.path or ())))


def apply_error_policy(result: ExecutionResult) -> ExecutionResult:
    """Give every error a code and mask unexpected ones; the engine applies it to every
    result it returns."""
    if result.errors:
        request_error = isinstance(result, PreExecutionError)
        result.errors = [_coded(error, request_error=request_error) for error in result.errors]
        for error in result.errors:
            note_code((error.extensions or {})["code"])
    return result


def _coded(error: GraphQLError, *, request_error: bool) -> GraphQLError:
    if is_unexpected(error):
        return GraphQLError(
            "Internal server error.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": codes.INTERNAL_SERVER_ERROR},
        )
    if error.extensions and "code" in error.extensions:
        return error
    if isinstance(error, GraphQLSyntaxError):
        code = codes.GRAPHQL_PARSE_FAILED
    elif request_error:
        code = codes.GRAPHQL_VALIDATION_FAILED
    else:  # raised before execution began: variables that do not fit their types
        code = codes.BAD_USER_INPUT
    error.extensions = {**(error.extensions or {}), "code": code}
    return error
