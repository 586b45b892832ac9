"""What exactly-once creates cost, against moto's DynamoDB server over loopback HTTP.

    python -m bench.idempotency

For each way of creating, the DynamoDB calls one create makes and the median microseconds it
takes, first create and retry apart, each on fresh tables:
- a plain create (no key): one conditional PutItem;
- the service's create with a key (TransactWriteItems of the key's record and the todo);
- the two alternatives weighed against it, written out here with the same client: a
  deterministic todo id with a conditional put, and Powertools' idempotency flow (put an
  in-progress record, create, update the record to completed).

moto is not DynamoDB: its microseconds say what our code, the HTTP round trips and moto cost,
not DynamoDB's latency (a few milliseconds per call in a region); and moto copies every table a
transaction touches, so its transactions slow as tables grow. A second table therefore times
the client side alone (our code and botocore, every call answered locally with an empty 200):
what a create costs the function apart from waiting on DynamoDB.
"""

from __future__ import annotations

import hashlib
import logging
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

from graphql_api.budget import Budget
from graphql_api.compose import dynamodb_client
from graphql_api.config import Settings
from graphql_api.model import Caller
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from graphql_api.service import TodoService
from todo_tools.dynamodb import embedded_dynamodb
from todo_tools.tables import create_records_table, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CREATES = 200
ANN = Caller("ann")
TTL_S = 86_400


class Tables:
    """Fresh tables on the server, a client, a service, and a count of the calls made."""

    def __init__(self, endpoint: str, *, answered_locally: bool = False) -> None:
        unique = uuid.uuid4().hex[:8]
        self.settings = Settings(
            table_name=f"todos-{unique}",
            records_table=f"records-{unique}",
            dynamodb_endpoint=endpoint,
        )
        self.client: DynamoDBClient = dynamodb_client(self.settings, local_credentials=True)
        create_table(self.client, self.settings.table_name)
        create_records_table(self.client, self.settings.records_table)
        repository = DynamoDBTodoRepository(
            self.client, self.settings.table_name, records_table=self.settings.records_table
        )
        self.service = TodoService(repository)
        self.calls = 0
        self.client.meta.events.register("before-call.dynamodb", self._count)
        if answered_locally:
            events: Any = self.client.meta.events  # the stubs type handlers as returning None
            events.register_first("before-send.dynamodb", _empty_answer)

    def _count(self, **_: Any) -> None:
        self.calls += 1


class _Body:
    def stream(self) -> Iterator[bytes]:
        yield b"{}"


def _empty_answer(request: Any, **_: Any) -> AWSResponse:
    return AWSResponse(request.url, 200, HTTPHeaders(), _Body())


def measure(tables: Tables, create: Callable[[int], object]) -> tuple[float, float]:
    """Median µs and mean calls per create, over `CREATES` creates numbered 0, 1, …"""
    times = []
    tables.calls = 0
    for n in range(CREATES):
        start = time.perf_counter_ns()
        create(n)
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1_000, tables.calls / CREATES


def plain(tables: Tables) -> Callable[[int], object]:
    return lambda n: tables.service.create(
        ANN, Budget.unlimited(), user_id=None, content=f"todo {n}"
    )


def keyed(tables: Tables) -> Callable[[int], object]:
    return lambda n: tables.service.create(
        ANN, Budget.unlimited(), user_id=None, content=f"todo {n}", idempotency_key=f"key-{n}"
    )


def deterministic_id(tables: Tables) -> Callable[[int], object]:
    """The todo's id is a hash of caller and key; a conditional put makes it once."""
    table = tables.settings.table_name

    def create(n: int) -> object:
        todo_id = hashlib.sha256(f'["ann","key-{n}"]'.encode()).hexdigest()
        try:
            tables.client.put_item(
                TableName=table,
                Item=_todo_item(todo_id, n),
                ConditionExpression="attribute_not_exists(id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except tables.client.exceptions.ConditionalCheckFailedException as exc:
            return exc.response.get("Item")
        return todo_id

    return create


def powertools_flow(tables: Tables) -> Callable[[int], object]:
    """Powertools' order of calls: claim in progress, create, record the response."""
    records, now = tables.settings.records_table, int(time.time())

    def create(n: int) -> object:
        key = {"pk": {"S": f"idem#key-{n}"}}
        try:
            tables.client.put_item(
                TableName=records,
                Item={**key, "status": {"S": "INPROGRESS"}, "expiresAt": {"N": str(now + TTL_S)}},
                ConditionExpression="attribute_not_exists(pk) OR expiresAt < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except tables.client.exceptions.ConditionalCheckFailedException as exc:
            return exc.response.get("Item")
        todo_id = str(uuid.uuid4())
        tables.client.put_item(TableName=tables.settings.table_name, Item=_todo_item(todo_id, n))
        tables.client.update_item(
            TableName=records,
            Key=key,
            UpdateExpression="SET #s = :done, todoId = :id",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":id": {"S": todo_id}},
        )
        return todo_id

    return create


def _todo_item(todo_id: str, n: int) -> Any:
    now = str(time.time_ns() // 1_000_000)
    return {
        "id": {"S": todo_id},
        "userId": {"S": "ann"},
        "dateCreated": {"N": now},
        "dateUpdated": {"N": now},
        "content": {"S": f"todo {n}"},
        "status": {"S": "pending"},
        "version": {"N": "1"},
    }


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per call otherwise
    ways = {
        "plain create, no key": plain,
        "transaction (ours)": keyed,
        "deterministic id + conditional put": deterministic_id,
        "Powertools flow": powertools_flow,
    }
    with embedded_dynamodb() as endpoint:
        print(f"{CREATES} creates each on fresh tables, medians; moto server on loopback\n")
        print(f"{'way':<36} {'first: calls':>12} {'µs':>8} {'retry: calls':>13} {'µs':>8}")
        for name, way in ways.items():
            tables = Tables(endpoint)
            first_us, first_calls = measure(tables, way(tables))
            retry = ""
            if way is not plain:
                retry_us, retry_calls = measure(tables, way(tables))
                retry = f"{retry_calls:>13.1f} {retry_us:>8.0f}"
            print(f"{name:<36} {first_calls:>12.1f} {first_us:>8.0f} {retry}")
        print("\nclient side only (every call answered locally), first creates\n")
        print(f"{'way':<36} {'calls':>12} {'µs':>8}")
        for name, way in ways.items():
            tables = Tables(endpoint, answered_locally=True)
            us, calls = measure(tables, way(tables))
            print(f"{name:<36} {calls:>12.1f} {us:>8.0f}")


if __name__ == "__main__":
    main()
