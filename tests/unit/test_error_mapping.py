"""Every domain error has an answer at each door, from that door's one mapper: a test here
fails when a `TodoError` is added to `errors.py` without one."""

from __future__ import annotations

import pytest
from graphql import GraphQLError
from starlette.requests import Request

from graphql_api import errors
from graphql_api.gql.errors import field_error, refusal_for, result_for
from graphql_api.gql.types import TodoNotFoundType, ValidationFailedType, VersionConflictType
from graphql_api.rest import legacy_error

SAMPLES: dict[type[errors.TodoError], errors.TodoError] = {
    errors.TodoNotFound: errors.TodoNotFound("t-1"),
    errors.VersionConflict: errors.VersionConflict("t-1", 1, 2),
    errors.InvalidTodo: errors.InvalidTodo("content", "must not be empty"),
    errors.InvalidQuery: errors.InvalidQuery("first", "must be between 1 and 100"),
    errors.InvalidCursor: errors.InvalidCursor("nope"),
    errors.Unauthenticated: errors.Unauthenticated("Send a bearer token."),
    errors.Forbidden: errors.Forbidden("userId", "must be your own user id"),
    errors.IdempotencyKeyReused: errors.IdempotencyKeyReused("k"),
    errors.ReadLimitReached: errors.ReadLimitReached(1_000),
    errors.ReadBytesLimitReached: errors.ReadBytesLimitReached(5_000_000),
    errors.DeadlineReached: errors.DeadlineReached(),
    errors.ServiceUnavailable: errors.ServiceUnavailable("ReadTimeout", "GetItem", retry_after=2),
}
FAILURES = (TodoNotFoundType, VersionConflictType, ValidationFailedType)


def _leaves(cls: type[errors.TodoError]) -> set[type[errors.TodoError]]:
    subclasses = cls.__subclasses__()
    if not subclasses:
        return {cls}
    return set().union(*map(_leaves, subclasses))


def test_every_domain_error_has_a_sample_here() -> None:
    assert _leaves(errors.TodoError) <= set(SAMPLES)


def _graphql_answer(error: errors.TodoError) -> object:
    """The first answer the GraphQL door has for `error`: a result member, a field error,
    or a refusal before execution; None where it has none."""
    for answer in (
        lambda: result_for(error, FAILURES),
        lambda: field_error(error),
        lambda: refusal_for(error),
    ):
        try:
            return answer()
        except GraphQLError as raised:
            return raised
        except errors.TodoError:
            continue
    return None


@pytest.mark.parametrize("error", SAMPLES.values(), ids=lambda error: type(error).__name__)
def test_graphql_answers_every_domain_error(error: errors.TodoError) -> None:
    assert _graphql_answer(error) is not None


@pytest.mark.parametrize("error", SAMPLES.values(), ids=lambda error: type(error).__name__)
def test_the_legacy_routes_answer_every_domain_error_as_expected(error: errors.TodoError) -> None:
    request = Request({"type": "http", "method": "PUT", "headers": [], "path_params": {"id": "1"}})

    assert legacy_error(request, error).status_code != 500  # 500: unexpected
