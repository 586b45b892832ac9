"""Conflicts are conflicts on every engine: a refused conditional write answers the same
whether the engine returns the item it found (DynamoDB, moto) or leaves it out (dynalite).

The engine that leaves it out is moto behind a real HTTP server that strips `Item` from
refusals, below botocore, so the repository sees exactly what such an engine sends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from graphql_api.compose import dynamodb_client
from graphql_api.config import Settings
from graphql_api.errors import TodoNotFound, VersionConflict
from graphql_api.model import Todo
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from tests.fault_server import Fault, faulty_dynamodb
from todo_tools.dynamodb import embedded_dynamodb
from todo_tools.tables import create_table

MILK = Todo("t-1", "ann", "milk", "pending", 3, 1_000, 2_000)


@dataclass
class Engine:
    repository: DynamoDBTodoRepository
    sent: list[str] = field(default_factory=list)

    def record(self, event_name: str, **_: Any) -> None:
        self.sent.append(event_name.rpartition(".")[2])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    with embedded_dynamodb() as url:
        yield url


@pytest.fixture(params=["returns the old item", "omits the old item"])
def engine(request: pytest.FixtureRequest, moto_server: str) -> Iterator[Engine]:
    with faulty_dynamodb(moto_server) as faulty:
        settings = Settings(
            table_name=f"todos-{uuid.uuid4().hex[:8]}", dynamodb_endpoint=faulty.url
        )
        client = dynamodb_client(settings, local_credentials=True)
        create_table(client, settings.table_name)
        repository = DynamoDBTodoRepository(
            client, settings.table_name, records_table=settings.records_table
        )
        engine = Engine(repository)
        engine.repository.create(MILK)
        if request.param == "omits the old item":
            faulty.fail(Fault.OMIT_OLD_ITEM)
        client.meta.events.register("before-send.dynamodb", engine.record)
        yield engine


def update(engine: Engine, *, expected: int | None, owner: str | None = "ann") -> Todo:
    return engine.repository.update(
        MILK.id, changes={"content": "eggs"}, updated_ms=3_000, expected_version=expected,
        owner=owner,
    )  # fmt: skip


def test_a_stale_update_is_a_conflict_naming_the_current_version(engine: Engine) -> None:
    with pytest.raises(VersionConflict) as raised:
        update(engine, expected=2)
    assert (raised.value.expected, raised.value.current) == (2, 3)
    assert engine.repository.get(MILK.id) == MILK


def test_a_stale_delete_is_a_conflict_and_deletes_nothing(engine: Engine) -> None:
    with pytest.raises(VersionConflict) as raised:
        engine.repository.delete(MILK.id, expected_version=4, owner="ann")
    assert raised.value.current == 3
    assert engine.repository.get(MILK.id) == MILK


def test_a_stale_update_of_anothers_todo_is_not_found(engine: Engine) -> None:
    with pytest.raises(TodoNotFound):
        update(engine, expected=2, owner="bob")


def test_an_update_of_a_missing_todo_is_not_found(engine: Engine) -> None:
    with pytest.raises(TodoNotFound):
        engine.repository.update(
            "t-404", changes={}, updated_ms=3_000, expected_version=1, owner=None
        )


def test_only_an_engine_that_omits_the_old_item_costs_a_read(
    engine: Engine, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(VersionConflict):
        update(engine, expected=1)
    omitted = "omits" in request.node.callspec.id
    assert engine.sent == ["UpdateItem", "GetItem"] if omitted else ["UpdateItem"]


def test_a_current_update_goes_through_on_either_engine(engine: Engine) -> None:
    assert update(engine, expected=3).version == 4


def test_anothers_todo_and_an_unknown_id_cost_the_same_calls_on_either_engine(
    engine: Engine,
) -> None:
    """An engine at another endpoint than DynamoDB's may leave the old item out, so a refusal
    reads there, for another's todo as for a missing one (on DynamoDB itself, neither reads:
    tests/e2e/test_existence_oracle.py)."""
    with pytest.raises(TodoNotFound):
        update(engine, expected=3, owner="bob")
    theirs = list(engine.sent)
    engine.sent.clear()
    with pytest.raises(TodoNotFound):
        engine.repository.update(
            "t-404", changes={}, updated_ms=3_000, expected_version=3, owner="bob"
        )
    assert theirs == engine.sent == ["UpdateItem", "GetItem"]
