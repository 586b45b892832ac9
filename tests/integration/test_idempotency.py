"""What only the DynamoDB repository's exactly-once create has: the stored claim, its cost in
calls, engines that omit the old item, expired claims TTL has not deleted yet, and
transactions that meet another in flight."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from graphql_api.errors import ServiceUnavailable
from graphql_api.model import Todo
from graphql_api.repository import Claim, Claimed
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from tests.conftest import ENDPOINT_VARIABLE, CallCounter, omit_cancellation_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY = "0" * 64
CLAIM = Claim(KEY, "f1", now_s=1_000, expires_s=1_000 + 86_400)


def todo(todo_id: str = "t1", content: str = "milk") -> Todo:
    return Todo(todo_id, "ann", content, "pending", 1, 1_000_000, 1_000_000)


@pytest.fixture
def repository(dynamodb: DynamoDBClient, table: str, records_table: str) -> DynamoDBTodoRepository:
    return DynamoDBTodoRepository(dynamodb, table, records_table=records_table)


def record(client: DynamoDBClient, records_table: str) -> dict[str, Any]:
    item = client.get_item(TableName=records_table, Key={"pk": {"S": f"idem#{KEY}"}})["Item"]
    return dict(item)


@pytest.mark.needs("TransactWriteItems")
def test_the_claim_holds_the_request_the_todo_as_created_and_its_expiry(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str
) -> None:
    repository.create_once(todo(), CLAIM)
    stored = record(dynamodb, records_table)
    assert stored["pk"] == {"S": f"idem#{KEY}"}
    assert stored["request"] == {"S": "f1"}
    assert stored["expiresAt"] == {"N": str(1_000 + 86_400)}
    assert stored["todo"]["M"]["id"] == {"S": "t1"}
    assert stored["todo"]["M"]["content"] == {"S": "milk"}


@pytest.mark.needs("TransactWriteItems")
def test_a_first_create_and_a_retry_each_cost_one_call(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient
) -> None:
    calls = CallCounter(dynamodb.meta.events)
    repository.create_once(todo(), CLAIM)
    assert calls.operations == ["TransactWriteItems"]
    calls.reset()
    assert repository.create_once(todo("t2"), CLAIM) == Claimed(todo(), "f1", created=False)
    assert calls.operations == ["TransactWriteItems"]


@pytest.mark.needs("TransactWriteItems")
def test_an_engine_that_omits_the_old_item_costs_one_consistent_read_more(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient
) -> None:
    repository.create_once(todo(), CLAIM)
    omit_cancellation_items(dynamodb.meta.events)
    calls = CallCounter(dynamodb.meta.events)
    assert repository.create_once(todo("t2"), CLAIM) == Claimed(todo(), "f1", created=False)
    assert calls.operations == ["TransactWriteItems", "GetItem"]


@pytest.mark.needs("TransactWriteItems")
def test_an_expired_claim_ttl_has_not_deleted_yet_is_replaced(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str
) -> None:
    repository.create_once(todo(), Claim(KEY, "f1", now_s=1_000, expires_s=1_500))
    later = Claim(KEY, "f2", now_s=1_501, expires_s=2_000)
    assert repository.create_once(todo("t2", "eggs"), later) == Claimed(
        todo("t2", "eggs"), "f2", created=True
    )
    assert record(dynamodb, records_table)["expiresAt"] == {"N": "2000"}
    assert repository.get("t1") == todo()  # the first todo stays: only the key moved on


@pytest.mark.needs("TransactWriteItems")
def test_a_claim_read_back_expired_is_tried_again(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str
) -> None:
    """The claim refused the write, then expired before the read: the key is free again."""
    repository.create_once(todo(), Claim(KEY, "f1", now_s=1_000, expires_s=1_500))
    omit_cancellation_items(dynamodb.meta.events)
    dynamodb.meta.events.register(
        "after-call.dynamodb.TransactWriteItems",
        _expire_claim(dynamodb, records_table),
        unique_id="expire",
    )
    assert repository.create_once(todo("t2"), Claim(KEY, "f2", 1_200, 1_700)).created is True
    assert set(repository.get_many(["t1", "t2"])) == {"t1", "t2"}


def _expire_claim(client: DynamoDBClient, records_table: str) -> Any:
    def expire(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("CancellationReasons"):
            client.update_item(
                TableName=records_table,
                Key={"pk": {"S": f"idem#{KEY}"}},
                UpdateExpression="SET expiresAt = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )

    return expire


class Conflicts:
    """Answers the first `times` TransactWriteItems as DynamoDB does when another transaction
    holds one of the items: cancelled, with TransactionConflict among the reasons. Nothing
    reaches storage for those."""

    def __init__(
        self, client: DynamoDBClient, times: int, code: str = "TransactionConflict"
    ) -> None:
        self.left = times
        self.code = code
        events: Any = client.meta.events  # the stubs type handlers as returning None
        events.register_first("before-call.dynamodb.TransactWriteItems", self)

    def __call__(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self.left == 0:
            return None
        self.left -= 1
        message = "Transaction cancelled, please refer cancellation reasons for specific reasons"
        parsed = {
            "Error": {
                "Code": "TransactionCanceledException",
                "Message": f"{message} [{self.code}, None]",
            },
            "CancellationReasons": [{"Code": self.code}, {"Code": "None"}],
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.test", 400, HTTPHeaders(), None), parsed


@pytest.mark.needs("TransactWriteItems")
def test_a_transaction_in_flight_on_the_key_is_waited_for(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient
) -> None:
    conflicts = Conflicts(dynamodb, times=2)
    calls = CallCounter(dynamodb.meta.events)  # counts what reaches storage
    assert repository.create_once(todo(), CLAIM) == Claimed(todo(), "f1", created=True)
    assert (conflicts.left, calls.operations) == (0, ["TransactWriteItems"])


def test_a_key_contended_past_the_attempts_fails_and_writes_nothing(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str
) -> None:
    Conflicts(dynamodb, times=10)
    with pytest.raises(ServiceUnavailable, match="TransactionConflict"):
        repository.create_once(todo(), CLAIM)
    assert repository.get("t1") is None
    assert "Item" not in dynamodb.get_item(
        TableName=records_table, Key={"pk": {"S": f"idem#{KEY}"}}
    )


@pytest.mark.needs("TransactWriteItems")
def test_a_todo_id_already_taken_is_not_mistaken_for_a_retry(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str
) -> None:
    repository.create(todo())
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        repository.create_once(todo(), CLAIM)
    assert "Item" not in dynamodb.get_item(
        TableName=records_table, Key={"pk": {"S": f"idem#{KEY}"}}
    )


@pytest.mark.needs("TransactWriteItems")
def test_a_transaction_whose_answer_was_lost_is_retried_by_botocore_and_creates_once(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str, table: str
) -> None:
    """The first attempt commits, then its answer times out. botocore tries again; moto, like
    an engine that ignores the ClientRequestToken, refuses the retry on the record, which holds
    this very request: the create answers with its own todo, made once."""
    lost = LostAnswers(dynamodb, times=1)
    assert repository.create_once(todo(), CLAIM) == Claimed(todo(), "f1", created=False)
    assert lost.times == 0
    assert [i["id"]["S"] for i in dynamodb.scan(TableName=table)["Items"]] == ["t1"]
    assert dynamodb.scan(TableName=records_table, Select="COUNT")["Count"] == 1


class LostAnswers:
    """Loses the answers of the first `times` TransactWriteItems once DynamoDB applied them.
    In-process moto applies them in its own `before-send` handler, which runs before this one;
    a DynamoDB server is sent the request here, and its answer dropped."""

    def __init__(self, client: DynamoDBClient, times: int) -> None:
        self.times = times
        self._server = bool(os.environ.get(ENDPOINT_VARIABLE))
        client.meta.events.register("before-send", self)

    def __call__(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        if self.times and bytes(target).endswith(b".TransactWriteItems"):
            self.times -= 1
            if self._server:
                URLLib3Session().send(request)
            raise ReadTimeoutError(endpoint_url=request.url)


@pytest.mark.parametrize("code", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_a_transaction_cancelled_for_capacity_is_service_unavailable_and_writes_nothing(
    repository: DynamoDBTodoRepository, dynamodb: DynamoDBClient, records_table: str, code: str
) -> None:
    Conflicts(dynamodb, times=1, code=code)
    with pytest.raises(ServiceUnavailable, match=code):
        repository.create_once(todo(), CLAIM)
    assert repository.get("t1") is None
    assert "Item" not in dynamodb.get_item(
        TableName=records_table, Key={"pk": {"S": f"idem#{KEY}"}}
    )
