"""Exactly-once creates: the service's rules over the in-memory repository (which the shared
repository scenarios hold equal to DynamoDB)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphql_api.budget import Budget
from graphql_api.config import Settings
from graphql_api.errors import Forbidden, IdempotencyKeyReused, InvalidTodo
from graphql_api.gql.context import Context
from graphql_api.gql.engine import create_engine
from graphql_api.model import OPEN_ACCESS, Caller, Todo
from graphql_api.service import MAX_IDEMPOTENCY_KEY_LENGTH, TodoService
from tests.fakes import InMemoryTodoRepository
from tests.unit.test_schema import CREATE

engine = create_engine(Settings())

ANN, BOB = Caller("ann"), Caller("bob")
ADMIN = Caller("root", admin=True)
TTL_S = 3_600


class Clock:
    """Milliseconds, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def repository() -> InMemoryTodoRepository:
    return InMemoryTodoRepository()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(repository: InMemoryTodoRepository, clock: Clock) -> TodoService:
    ids = iter(f"id-{n}" for n in range(1_000))
    return TodoService(repository, clock=clock, new_id=lambda: next(ids), idempotency_ttl_s=TTL_S)


def create(service: TodoService, caller: Caller, key: str | None, content: str = "milk") -> Todo:
    return service.create(
        caller, Budget.unlimited(), user_id=None, content=content, idempotency_key=key
    )


def test_a_retry_returns_the_first_todo_and_creates_nothing(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    first = create(service, ANN, "k1")
    assert create(service, ANN, "k1") == first
    assert list(repository.todos) == [first.id]


def test_the_same_key_with_other_content_is_refused(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    create(service, ANN, "k1")
    with pytest.raises(IdempotencyKeyReused):
        create(service, ANN, "k1", content="eggs")
    assert len(repository.todos) == 1


def test_the_same_key_for_another_owner_is_refused(service: TodoService) -> None:
    service.create(ADMIN, Budget.unlimited(), user_id="ann", content="x", idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        service.create(ADMIN, Budget.unlimited(), user_id="bob", content="x", idempotency_key="k")


def test_keys_are_scoped_to_the_caller(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    ann, bob = create(service, ANN, "k1"), create(service, BOB, "k1")
    assert (ann.user_id, bob.user_id) == ("ann", "bob")
    assert ann.id != bob.id
    assert len(repository.todos) == 2


def test_another_caller_with_the_same_key_and_input_never_sees_the_first_todo(
    service: TodoService,
) -> None:
    mine = service.create(
        ADMIN, Budget.unlimited(), user_id="ann", content="x", idempotency_key="k"
    )
    theirs = service.create(
        ANN, Budget.unlimited(), user_id="ann", content="x", idempotency_key="k"
    )
    assert theirs.id != mine.id


def test_the_open_api_has_one_scope_of_its_own(service: TodoService) -> None:
    first = service.create(
        OPEN_ACCESS, Budget.unlimited(), user_id="ann", content="x", idempotency_key="k"
    )
    again = service.create(
        OPEN_ACCESS, Budget.unlimited(), user_id="ann", content="x", idempotency_key="k"
    )
    assert again == first
    assert create(service, ANN, "k", content="x").id != first.id


def test_on_the_open_api_each_owner_has_keys_of_its_own(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    """Separate anonymous clients that pick the same key ("1") neither collide nor learn of
    each other's use of it."""
    ann = service.create(
        OPEN_ACCESS, Budget.unlimited(), user_id="ann", content="x", idempotency_key="1"
    )
    bob = service.create(
        OPEN_ACCESS, Budget.unlimited(), user_id="bob", content="y", idempotency_key="1"
    )
    assert (ann.user_id, bob.user_id) == ("ann", "bob")
    assert len(repository.todos) == 2


def test_a_retry_after_an_update_returns_the_todo_as_created(service: TodoService) -> None:
    first = create(service, ANN, "k1")
    service.update(ANN, Budget.unlimited(), first.id, status="done")
    assert create(service, ANN, "k1") == first


def test_a_retry_after_a_delete_returns_the_todo_as_created_and_recreates_nothing(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    first = create(service, ANN, "k1")
    service.delete(ANN, Budget.unlimited(), first.id)
    assert create(service, ANN, "k1") == first
    assert repository.todos == {}


def test_a_key_expires_after_its_ttl(
    service: TodoService, repository: InMemoryTodoRepository, clock: Clock
) -> None:
    first = create(service, ANN, "k1")
    clock.now += TTL_S * 1_000
    assert create(service, ANN, "k1") == first
    clock.now += 1_000
    second = create(service, ANN, "k1", content="eggs")
    assert second.id != first.id
    assert len(repository.todos) == 2


def test_creates_without_a_key_never_meet(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    create(service, ANN, None)
    create(service, ANN, None)
    assert len(repository.todos) == 2
    assert repository.claims == {}


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "must not be empty"),
        ("k" * (MAX_IDEMPOTENCY_KEY_LENGTH + 1), "must be at most 255 characters long"),
        ("has space", "must be visible ASCII characters only (no spaces or controls)"),
        ("tab\there", "must be visible ASCII characters only (no spaces or controls)"),
        ("nul\x00", "must be visible ASCII characters only (no spaces or controls)"),
        ("del\x7f", "must be visible ASCII characters only (no spaces or controls)"),
        ("café", "must be visible ASCII characters only (no spaces or controls)"),
        ("\ud800", "must be visible ASCII characters only (no spaces or controls)"),
    ],
    ids=["empty", "too-long", "space", "tab", "nul", "del", "non-ascii", "surrogate"],
)
def test_a_bad_key_is_refused_precisely_and_claims_nothing(
    service: TodoService, repository: InMemoryTodoRepository, key: str, reason: str
) -> None:
    with pytest.raises(InvalidTodo) as refused:
        create(service, ANN, key)
    assert (refused.value.field, refused.value.reason) == ("idempotencyKey", reason)
    assert (repository.todos, repository.claims) == ({}, {})


def test_the_longest_key_of_every_visible_character_is_accepted(service: TodoService) -> None:
    visible = "".join(map(chr, range(0x21, 0x7F)))
    key = (visible * 3)[:MAX_IDEMPOTENCY_KEY_LENGTH]
    assert create(service, ANN, key) == create(service, ANN, key)


def test_an_invalid_create_claims_no_key_so_a_corrected_retry_creates(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    with pytest.raises(InvalidTodo):
        create(service, ANN, "k1", content="")
    assert repository.claims == {}
    assert create(service, ANN, "k1", content="milk").content == "milk"


def test_a_forbidden_create_claims_no_key(
    service: TodoService, repository: InMemoryTodoRepository
) -> None:
    with pytest.raises(Forbidden):
        service.create(ANN, Budget.unlimited(), user_id="bob", content="x", idempotency_key="k")
    assert (repository.todos, repository.claims) == ({}, {})


def test_graphql_retries_return_the_first_todo(repository: InMemoryTodoRepository) -> None:
    fields = {"userId": "ann", "content": "milk", "idempotencyKey": "k-1"}
    first = create_via_schema(repository, **fields)
    assert first["data"]["createTodo"]["__typename"] == "Todo"
    assert create_via_schema(repository, **fields) == first
    assert len(repository.todos) == 1


def test_graphql_reuse_with_other_input_is_a_coded_error(
    repository: InMemoryTodoRepository,
) -> None:
    create_via_schema(repository, userId="ann", content="milk", idempotencyKey="k-1")
    response = create_via_schema(repository, userId="ann", content="eggs", idempotencyKey="k-1")
    assert response["data"] == {"createTodo": None}
    (error,) = response["errors"]
    assert error["extensions"] == {"code": "IDEMPOTENCY_KEY_REUSED", "argument": "idempotencyKey"}
    assert error["message"] == (
        "This idempotency key was used for a create with other input; use a new key for a new todo."
    )
    assert len(repository.todos) == 1


def test_graphql_bad_key_is_a_validation_failure_naming_the_field(
    repository: InMemoryTodoRepository,
) -> None:
    response = create_via_schema(repository, userId="ann", content="milk", idempotencyKey="a b")
    assert response["data"]["createTodo"] == {
        "__typename": "ValidationFailed",
        "code": "VALIDATION_FAILED",
        "message": "idempotencyKey must be visible ASCII characters only (no spaces or controls).",
        "field": "idempotencyKey",
    }
    assert (repository.todos, repository.claims) == ({}, {})


def test_graphql_null_key_is_a_plain_create(repository: InMemoryTodoRepository) -> None:
    for _ in range(2):
        create_via_schema(repository, userId="ann", content="milk", idempotencyKey=None)
    assert len(repository.todos) == 2


def create_via_schema(repository: InMemoryTodoRepository, **fields: str | None) -> dict[str, Any]:
    result = asyncio.run(
        engine.execute(
            CREATE,
            variable_values={"input": fields},
            context_value=Context(TodoService(repository), OPEN_ACCESS, Budget.unlimited()),
        )
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return response
