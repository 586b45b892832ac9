"""The botocore hooks that hold DynamoDB attempts to the request's deadline, on moto."""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

import pytest

from graphql_api.budget import for_request
from graphql_api.compose import AttemptDeadline
from graphql_api.errors import DeadlineReached

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def sent_by(dynamodb: DynamoDBClient) -> list[str]:
    AttemptDeadline().register(dynamodb.meta.events)
    sent: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        sent.append(event_name.rpartition(".")[2])

    dynamodb.meta.events.register("before-send.dynamodb", record)
    return sent


def test_no_attempt_starts_once_the_requests_time_is_out(
    dynamodb: DynamoDBClient, table: str
) -> None:
    sent = sent_by(dynamodb)

    def request() -> None:
        for_request(None, max_examined=1, max_read_bytes=1, timeout=0.0)
        dynamodb.get_item(TableName=table, Key={"id": {"S": "t-1"}})

    with pytest.raises(DeadlineReached):
        contextvars.copy_context().run(request)
    assert sent == []


def test_calls_outside_a_request_have_no_deadline(dynamodb: DynamoDBClient, table: str) -> None:
    sent = sent_by(dynamodb)
    contextvars.copy_context().run(for_request, None, max_examined=1, max_read_bytes=1, timeout=0.0)

    dynamodb.get_item(TableName=table, Key={"id": {"S": "t-1"}})

    assert sent == ["GetItem"]
