"""What the schema answers for a domain error, in one place; codes on every error of a
response, and masking of unexpected ones.

A domain error answers, by where it meets the request:

- in a mutation whose result union has a member for it (`TodoNotFound`, `VersionConflict`,
  `ValidationFailed`): that member (`result_for`);
- in any other field: a coded field error, the rest of the response keeping its data
  (`field_error`);
- before execution (the caller, the stored document, the budget): a `Refusal` of the request,
  or of one operation of a batch (`refusal_for`).

Request errors (a document that does not parse or validate, variables that do not fit) carry
a code too; an exception nobody expected becomes "Internal server error." with code
INTERNAL_SERVER_ERROR, and its detail goes to the log only. The mappers only map: the engine
notes an operation's outcomes in the request's log line when the operation ends (`finish`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.types.execution import ExecutionResult, PreExecutionError

from graphql_api import codes
from graphql_api.errors import (
    BudgetExhausted,
    DeadlineReached,
    Forbidden,
    IdempotencyKeyReused,
    InvalidQuery,
    InvalidTodo,
    ReadBytesLimitReached,
    ReadLimitReached,
    ServiceUnavailable,
    TodoError,
    TodoNotFound,
    Unauthenticated,
    VersionConflict,
)
from graphql_api.gql.types import (
    ErrorCode,
    ErrorType,
    TodoNotFoundType,
    ValidationFailedType,
    VersionConflictType,
)
from graphql_api.refusal import Refusal
from graphql_api.request_log import note_code, note_fault, note_unexpected

F = TypeVar("F", bound=ErrorType)
Failures = tuple[type[F], ...]
"""The result-union members a mutation may answer with instead of a todo."""


def result_for(error: TodoError, failures: Failures[F]) -> F:
    """What a mutation that may fail with `failures` answers for `error`: the member made
    for it, or else the coded field error."""
    member = _member(error)
    if not isinstance(member, failures):
        raise field_error(error) from error
    return member


def _member(error: TodoError) -> ErrorType | None:
    message = str(error)
    match error:
        case TodoNotFound():
            return TodoNotFoundType(
                code=ErrorCode.NOT_FOUND, message=message, id=strawberry.ID(error.todo_id)
            )
        case VersionConflict():
            return VersionConflictType(
                code=ErrorCode.VERSION_CONFLICT,
                message=message,
                id=strawberry.ID(error.todo_id),
                expected_version=error.expected,
                current_version=error.current,
            )
        case InvalidTodo():
            return ValidationFailedType(
                code=ErrorCode.VALIDATION_FAILED, message=message, field=error.field
            )
    return None


def field_error(error: TodoError) -> GraphQLError:
    """A domain error that fails one field (the rest of the response keeps its data); one
    with no field error of its own is raised again, and masked as unexpected."""
    extensions: dict[str, Any]
    match error:
        case InvalidQuery():
            extensions = {"code": codes.BAD_USER_INPUT, "argument": error.argument}
        case Forbidden():
            extensions = {"code": codes.FORBIDDEN, "argument": error.field}
        case ReadBytesLimitReached():
            extensions = {"code": codes.READ_LIMIT_EXCEEDED, "limitBytes": error.limit}
        case ReadLimitReached():
            extensions = {"code": codes.READ_LIMIT_EXCEEDED, "limit": error.limit}
        case DeadlineReached():
            extensions = {"code": codes.DEADLINE_EXCEEDED}
        case ServiceUnavailable():
            extensions = {
                "code": codes.SERVICE_UNAVAILABLE,
                "reason": error.reason,
                "retryAfter": error.retry_after,
            }
        case IdempotencyKeyReused():
            extensions = {"code": codes.IDEMPOTENCY_KEY_REUSED, "argument": "idempotencyKey"}
        case _:
            raise error
    return GraphQLError(str(error), original_error=error, extensions=extensions)


def refusal_for(error: TodoError) -> Refusal:
    """A domain error met before execution: the request (or the batch's operation) refused.
    Only a storage fault tells when to retry; the rest is raised again, as unexpected."""
    message = str(error)
    match error:
        case Unauthenticated():
            challenge = {"WWW-Authenticate": error.challenge}
            return Refusal(401, codes.UNAUTHENTICATED, message, challenge)
        case ServiceUnavailable():
            retry_after = {"Retry-After": str(error.retry_after)}
            return Refusal(503, codes.SERVICE_UNAVAILABLE, message, retry_after)
        case ReadLimitReached():
            return Refusal(503, codes.READ_LIMIT_EXCEEDED, message)
        case BudgetExhausted():
            return Refusal(503, codes.DEADLINE_EXCEEDED, message)
    raise error


def refused(refusal: Refusal) -> dict[str, Any]:
    """The answer to a request (or an operation of a batch) refused before execution; its
    outcome goes to the request's log line: the code, and the storage fault behind it."""
    if refusal.code is not None:
        note_code(refusal.code)
    _note_fault(refusal.__cause__)
    return {"errors": [{"message": str(refusal), "extensions": {"code": refusal.code}}]}


def finish(result: ExecutionResult, answered: Iterable[ErrorType] = ()) -> ExecutionResult:
    """An operation's result as it is sent: unexpected errors logged and masked, every error
    coded; and its outcomes in the request's log line: the codes of the failures it answered
    as results, then those of its errors, and the storage faults behind them."""
    for failure in answered:
        note_code(failure.code.value)
    if result.errors:
        _log_unexpected(result.errors)
        request_error = isinstance(result, PreExecutionError)
        result.errors = [_coded(error, request_error=request_error) for error in result.errors]
        for error in result.errors:
            note_code((error.extensions or {})["code"])
            _note_fault(_domain_error(error))
    return result


def _is_unexpected(error: GraphQLError) -> bool:
    """A resolver (or a hook of ours) raised something other than a deliberate GraphQLError.

    A validation error points at the document and has no path; its original error, if any, is
    a scalar refusing the client's literal (an Int of 5,000 digits), not a fault of ours.
    """
    original = error.original_error
    from_validation = bool(error.nodes) and error.path is None
    return original is not None and not isinstance(original, GraphQLError) and not from_validation


def _log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if error.original_error is not None and _is_unexpected(error):
            note_unexpected(error.original_error, ".".join(map(str, error.path or ())))


def _domain_error(error: GraphQLError) -> BaseException | None:
    """The domain error a field error was made from (graphql-core wraps the one raised)."""
    original = error.original_error
    return original.original_error if isinstance(original, GraphQLError) else None


def _note_fault(cause: BaseException | None) -> None:
    if isinstance(cause, ServiceUnavailable):
        note_fault(cause.reason, cause.operation)


def _coded(error: GraphQLError, *, request_error: bool) -> GraphQLError:
    if _is_unexpected(error):
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
