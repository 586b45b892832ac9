"""Random sequences of creates (with and without idempotency keys, retries of earlier keys with
the same input and with other input), updates, deletes, listings and the passing of time,
through the service over the real DynamoDB repository on moto, checked after every step
against an in-memory model of what the tables must hold."""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING, Any

import boto3
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)
from moto import mock_aws

from graphql_api.budget import Budget
from graphql_api.errors import (
    Forbidden,
    IdempotencyKeyReused,
    TodoError,
    TodoNotFound,
    VersionConflict,
)
from graphql_api.model import Caller, Todo
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from graphql_api.service import PageSizes, TodoService
from tests.conftest import RECORDS, REGION, TABLE
from todo_tools.tables import create_records_table, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TTL_S = 60
CALLERS = {"ann": Caller("ann"), "bob": Caller("bob"), "root": Caller("root", admin=True)}
callers = st.sampled_from(sorted(CALLERS))
owners = st.sampled_from(["ann", "bob"])
contents = st.sampled_from(["milk", "eggs"])
keys = st.none() | st.sampled_from(["k1", "k2", "k3"])


@dataclasses.dataclass(frozen=True)
class Attempt:
    caller: str
    owner: str
    content: str
    key: str


@dataclasses.dataclass
class KeyRecord:
    owner: str
    content: str
    todo: Todo
    expires_s: int


class Clock:
    """Epoch milliseconds, one further on every reading, and moved on by the machine."""

    def __init__(self) -> None:
        self.now_ms = 1_700_000_000_000

    def __call__(self) -> int:
        self.now_ms += 1
        return self.now_ms


class TodoTables(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._aws = mock_aws()
        self._aws.start()
        self.client: DynamoDBClient = boto3.client("dynamodb", region_name=REGION)
        create_table(self.client, TABLE)
        create_records_table(self.client, RECORDS)
        self.clock = Clock()
        repository = DynamoDBTodoRepository(self.client, TABLE, records_table=RECORDS)
        # Ids in creation order: which todo a step picks must not vary between runs.
        ids = (f"id-{n:04d}" for n in itertools.count())
        self.service = TodoService(
            repository,
            page_sizes=PageSizes(20, 100),
            clock=self.clock,
            new_id=lambda: next(ids),
            idempotency_ttl_s=TTL_S,
        )
        self.todos: dict[str, Todo] = {}
        self.claims: dict[tuple[str, str], KeyRecord] = {}
        self.attempts: list[Attempt] = []

    def teardown(self) -> None:
        self._aws.stop()

    def _create(self, caller: str, owner: str, content: str, key: str | None) -> None:
        if key is not None:
            self.attempts.append(Attempt(caller, owner, content, key))
        expected = self._expected_create(caller, owner, content, key)
        result = _outcome(
            self.service.create,
            CALLERS[caller],
            Budget.unlimited(),
            user_id=owner,
            content=content,
            idempotency_key=key,
        )
        if isinstance(expected, Todo):
            assert result == expected
        elif expected is None:
            assert isinstance(result, Todo), result
            assert (result.user_id, result.content, result.version) == (owner, content, 1)
            assert result.id not in self.todos
            self.todos[result.id] = result
            if key is not None:
                expires_s = result.created_ms // 1000 + TTL_S
                self.claims[(caller, key)] = KeyRecord(owner, content, result, expires_s)
        else:
            assert type(result) is expected, result

    def _expected_create(
        self, caller: str, owner: str, content: str, key: str | None
    ) -> Todo | type[TodoError] | None:
        """The todo a replay returns, the error expected, or None for a new todo."""
        if not CALLERS[caller].may_act_for(owner):
            return Forbidden
        claim = self.claims.get((caller, key)) if key is not None else None
        # The service reads the clock once for the create: the next reading.
        if claim is None or claim.expires_s < (self.clock.now_ms + 1) // 1000:
            return None
        if (claim.owner, claim.content) != (owner, content):
            return IdempotencyKeyReused
        return claim.todo

    @rule(caller=callers, owner=owners, content=contents, key=keys)
    def create(self, caller: str, owner: str, content: str, key: str | None) -> None:
        self._create(caller, owner, content, key)

    @precondition(lambda self: self.attempts)
    @rule(data=st.data(), same_input=st.booleans())
    def retry(self, data: st.DataObject, same_input: bool) -> None:
        attempt = data.draw(st.sampled_from(self.attempts))
        content = attempt.content if same_input else data.draw(contents)
        self._create(attempt.caller, attempt.owner, content, attempt.key)

    @rule(seconds=st.integers(1, 2 * TTL_S))
    def time_passes(self, seconds: int) -> None:
        self.clock.now_ms += seconds * 1_000

    @rule(data=st.data(), caller=callers, status=st.sampled_from(["done", "later"]))
    def update(self, data: st.DataObject, caller: str, status: str) -> None:
        todo_id, expected_version = self._target(data)
        result = _outcome(
            self.service.update,
            CALLERS[caller],
            Budget.unlimited(),
            todo_id,
            status=status,
            expected_version=expected_version,
        )
        expected = self._refusal(caller, todo_id, expected_version)
        if expected is not None:
            assert type(result) is expected, result
            return
        assert isinstance(result, Todo), result
        before = self.todos[todo_id]
        assert (result.status, result.version) == (status, before.version + 1)
        assert (result.content, result.created_ms) == (before.content, before.created_ms)
        self.todos[todo_id] = result

    @rule(data=st.data(), caller=callers)
    def delete(self, data: st.DataObject, caller: str) -> None:
        todo_id, expected_version = self._target(data)
        result = _outcome(
            self.service.delete,
            CALLERS[caller],
            Budget.unlimited(),
            todo_id,
            expected_version=expected_version,
        )
        expected = self._refusal(caller, todo_id, expected_version)
        if expected is not None:
            assert type(result) is expected, result
            return
        assert result == self.todos.pop(todo_id)

    @rule(caller=callers, owner=owners)
    def list_one_users(self, caller: str, owner: str) -> None:
        result = _outcome(
            self.service.list_todos, CALLERS[caller], Budget.unlimited(), first=100, user_id=owner
        )
        if not CALLERS[caller].may_act_for(owner):
            assert type(result) is Forbidden, result
            return
        mine = [t for t in self.todos.values() if t.user_id == owner]
        newest_first = sorted(mine, key=lambda t: t.created_ms, reverse=True)
        assert result.todos == tuple(newest_first)

    def _target(self, data: st.DataObject) -> tuple[str, int | None]:
        """An id (mostly a known one) and an expected version (none, current, or stale)."""
        known = sorted(self.todos)
        todo_id = data.draw(st.sampled_from(known) if known else st.just("id-unknown"))
        version = self.todos[todo_id].version if todo_id in self.todos else 1
        expected_version = data.draw(st.sampled_from([None, version, version + 1]))
        return todo_id, expected_version

    def _refusal(
        self, caller: str, todo_id: str, expected_version: int | None
    ) -> type[TodoError] | None:
        todo = self.todos.get(todo_id)
        if todo is None or not CALLERS[caller].may_act_for(todo.user_id):
            return TodoNotFound
        if expected_version is not None and expected_version != todo.version:
            return VersionConflict
        return None

    @invariant()
    def the_todo_table_holds_exactly_the_model(self) -> None:
        items = self.client.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        stored = {item["id"]["S"]: item for item in items}
        assert set(stored) == set(self.todos)
        for todo_id, todo in self.todos.items():
            assert self.service.get(CALLERS["root"], Budget.unlimited(), todo_id) == todo

    @invariant()
    def one_record_per_key_ever_claimed(self) -> None:
        """Expired claims stay until overwritten (TTL is DynamoDB's, later); never two for a
        key, never one for a refused create."""
        count = self.client.scan(TableName=RECORDS, Select="COUNT")["Count"]
        assert count == len(self.claims)


def _outcome(call: Any, *args: Any, **kwargs: Any) -> Any:
    """What the call returned, or the domain error it raised."""
    try:
        return call(*args, **kwargs)
    except TodoError as exc:
        return exc


TodoTables.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_todo_tables = TodoTables.TestCase
