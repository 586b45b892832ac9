"""What only the DynamoDB repository has: legacy items, the work bound, call counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from graphql_api.model import Todo, TodoQuery
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from tests.conftest import CallCounter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def legacy_item(todo_id: str, **extra: object) -> dict[str, object]:
    """An item as the legacy Node.js API wrote it: no `version`."""
    item: dict[str, object] = {
        "id": {"S": todo_id},
        "userId": {"S": "pub0001"},
        "dateCreated": {"N": "1700000000000"},
        "dateUpdated": {"N": "1700000000500"},
        "content": {"S": "legacy"},
        "status": {"S": "pending"},
    }
    item.update(extra)
    return item


@pytest.fixture
def repository(dynamodb: DynamoDBClient, table: str, records_table: str) -> DynamoDBTodoRepository:
    return DynamoDBTodoRepository(dynamodb, table, records_table=records_table)


Put = Callable[[dict[str, object]], None]


@pytest.fixture
def put(dynamodb: DynamoDBClient, table: str) -> Put:
    """Stores an item as given, bypassing the repository."""

    def put(item: dict[str, object]) -> None:
        dynamodb.put_item(TableName=table, Item=item)  # type: ignore[arg-type]

    return put


def test_legacy_item_without_version_reads_as_version_1(
    put: Put, repository: DynamoDBTodoRepository
) -> None:
    put(legacy_item("old"))
    assert repository.get("old") == Todo(
        "old", "pub0001", "legacy", "pending", 1, 1_700_000_000_000, 1_700_000_000_500
    )


def test_legacy_item_gains_version_2_on_first_update(
    dynamodb: DynamoDBClient, table: str, put: Put, repository: DynamoDBTodoRepository
) -> None:
    put(legacy_item("old"))
    updated = repository.update(
        "old", changes={}, updated_ms=1_800_000_000_000, expected_version=1, owner=None
    )
    assert updated.version == 2
    stored = dynamodb.get_item(TableName=table, Key={"id": {"S": "old"}})["Item"]
    assert stored["version"] == {"N": "2"}
    assert stored["dateUpdated"] == {"N": "1800000000000"}


def test_items_with_odd_status_or_no_content_still_read(
    put: Put, repository: DynamoDBTodoRepository
) -> None:
    item = legacy_item("odd", status={"S": "¯\\_(ツ)_/¯ " * 20})
    del item["content"]
    put(item)
    read = repository.get("odd")
    assert read is not None
    assert read.content is None
    assert read.status.startswith("¯\\_(ツ)_/¯")


def test_new_items_use_the_legacy_attribute_names_and_types(
    dynamodb: DynamoDBClient, table: str, repository: DynamoDBTodoRepository
) -> None:
    repository.create(Todo("t1", "ann", "milk", "pending", 1, 1_700_000_000_123, 1_700_000_000_123))
    stored = dynamodb.get_item(TableName=table, Key={"id": {"S": "t1"}})["Item"]
    assert stored == {
        "id": {"S": "t1"},
        "userId": {"S": "ann"},
        "dateCreated": {"N": "1700000000123"},
        "dateUpdated": {"N": "1700000000123"},
        "content": {"S": "milk"},
        "status": {"S": "pending"},
        "version": {"N": "1"},
    }


def test_filtered_listing_stops_at_its_work_bound_and_resumes_exactly(
    repository: DynamoDBTodoRepository,
) -> None:
    for n in range(250):
        status = "done" if n in (5, 180, 240) else "pending"
        repository.create(Todo(f"id-{n:04d}", "ann", "x", status, 1, n, n))
    query = TodoQuery(first=10, user_id="ann", status="done", newest_first=False, max_examined=100)
    first = repository.list_todos(query)
    # 100 items looked at (the bound): only id-0005 matched, the rest is still ahead.
    assert [t.id for t in first.todos] == ["id-0005"]
    assert first.examined == 100
    assert first.has_next
    assert first.end is not None
    assert first.end.id == "id-0099"
    second = repository.list_todos(dataclasses.replace(query, after=first.end))
    assert [t.id for t in second.todos] == ["id-0180"]
    third = repository.list_todos(dataclasses.replace(query, after=second.end))
    assert [t.id for t in third.todos] == ["id-0240"]
    assert not third.has_next


def test_a_sparse_filtered_page_reads_on_until_it_is_full(
    dynamodb: DynamoDBClient, table: str, records_table: str
) -> None:
    repository = DynamoDBTodoRepository(dynamodb, table, records_table=records_table)
    for n in range(350):
        status = "done" if n in (0, 150, 300) else "pending"
        repository.create(Todo(f"id-{n:04d}", "ann", "x", status, 1, n, n))
    calls = CallCounter(dynamodb.meta.events)
    query = TodoQuery(first=3, user_id="ann", status="done", newest_first=False)
    page = repository.list_todos(query)
    # Each read looks at 100 items, at most one of which matches: the page takes four reads.
    assert [t.id for t in page.todos] == ["id-0000", "id-0150", "id-0300"]
    assert not page.has_next
    assert calls.operations == ["Query"] * 4


def test_unfiltered_listing_costs_one_query(
    dynamodb: DynamoDBClient, repository: DynamoDBTodoRepository
) -> None:
    for n in range(30):
        repository.create(Todo(f"id-{n:04d}", "ann", "x", "pending", 1, n, n))
    calls = CallCounter(dynamodb.meta.events)
    page = repository.list_todos(TodoQuery(first=10, user_id="ann"))
    assert len(page.todos) == 10
    assert calls.operations == ["Query"]


def test_get_many_costs_one_batch_get_per_hundred_ids(
    dynamodb: DynamoDBClient, repository: DynamoDBTodoRepository
) -> None:
    for n in range(150):
        repository.create(Todo(f"id-{n:04d}", "ann", "x", "pending", 1, n, n))
    calls = CallCounter(dynamodb.meta.events)
    found = repository.get_many([f"id-{n:04d}" for n in range(150)] + ["missing"])
    assert len(found) == 150
    assert calls.operations == ["BatchGetItem", "BatchGetItem"]


def test_get_many_of_one_id_costs_one_get_item(
    dynamodb: DynamoDBClient, repository: DynamoDBTodoRepository
) -> None:
    repository.create(Todo("t1", "ann", "x", "pending", 1, 1, 1))
    calls = CallCounter(dynamodb.meta.events)
    assert repository.get_many(["t1", "t1"]) == {"t1": Todo("t1", "ann", "x", "pending", 1, 1, 1)}
    assert repository.get_many(["missing"]) == {}
    assert calls.operations == ["GetItem", "GetItem"]


def test_each_write_costs_one_call(
    dynamodb: DynamoDBClient, repository: DynamoDBTodoRepository
) -> None:
    calls = CallCounter(dynamodb.meta.events)
    repository.create(Todo("t1", "ann", "x", "pending", 1, 1, 1))
    repository.update(
        "t1", changes={"status": "done"}, updated_ms=2, expected_version=1, owner=None
    )
    repository.delete("t1", expected_version=2, owner=None)
    assert calls.operations == ["PutItem", "UpdateItem", "DeleteItem"]
