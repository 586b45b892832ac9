from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.handlers import BUILTIN_HANDLERS
from hypothesis.configuration import set_hypothesis_home_dir
from moto import mock_aws

from todo_tools.tables import create_records_table, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TABLE = "todos-test"
RECORDS = "todo-records-test"
REGION = "eu-west-1"
ENDPOINT_VARIABLE = "TODO_TEST_DYNAMODB_ENDPOINT"
"""Set to a DynamoDB endpoint URL (a moto server, DynamoDB Local, LocalStack) to run the
DynamoDB tests against it instead of in-process moto."""
_HYPOTHESIS_HOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis caches Unicode tables and source constants under `./.hypothesis`, even with no
    example database, and schemathesis has it read the app's constants while collecting: send
    all of it to a temporary directory, so a test run leaves nothing in the work tree."""
    config.stash[_HYPOTHESIS_HOME] = directory = tempfile.mkdtemp(prefix="hypothesis-")
    set_hypothesis_home_dir(directory)


def pytest_unconfigure(config: pytest.Config) -> None:
    set_hypothesis_home_dir(None)
    shutil.rmtree(config.stash[_HYPOTHESIS_HOME], ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Placeholder credentials and region: no test can reach a real AWS account."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "DYNAMODB_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("TODO_TABLE_NAME", TABLE)
    monkeypatch.setenv("TODO_RECORDS_TABLE", RECORDS)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Entry points configure logging as they start (the Lambda handler on import); undo it."""
    root = logging.getLogger()
    level, formatters = root.level, [(h, h.formatter) for h in root.handlers]
    yield
    root.setLevel(level)
    for handler, formatter in formatters:
        handler.setFormatter(formatter)


class CallCounter:
    """Counts the DynamoDB operations sent, by name (a botocore event hook on a client's or a
    session's event emitter; a session's reaches every client made from it afterwards; without
    one, see `every_new_client`)."""

    def __init__(self, events: Any = None) -> None:
        self.operations: list[str] = []
        if events is not None:
            events.register("before-call.dynamodb", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def reset(self) -> None:
        self.operations.clear()

    def every_new_client(self) -> AbstractContextManager[None]:
        return every_new_client("before-call.dynamodb", self._record)


@contextmanager
def every_new_client(event: str, hook: Callable[..., None]) -> Iterator[None]:
    """Register `hook` on every botocore session, so every client, made meanwhile: the
    composition roots make their own (moto joins them the same way)."""
    entry = (event, hook)
    BUILTIN_HANDLERS.append(entry)
    try:
        yield
    finally:
        BUILTIN_HANDLERS.remove(entry)


def unique_name(prefix: str) -> str:
    """A table name no other test uses, so tests sharing one DynamoDB server never meet."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def omit_cancellation_items(events: Any) -> None:
    """Make a client's TransactionCanceledException carry no `Item` in its reasons, as some
    DynamoDB engines answer even when asked for the old item."""

    def strip(parsed: dict[str, Any], **_: Any) -> None:
        for reason in parsed.get("CancellationReasons", []):
            reason.pop("Item", None)

    events.register("after-call.dynamodb.TransactWriteItems", strip)


def create_legacy_table(client: DynamoDBClient, name: str) -> None:
    """A table with the legacy Node.js API's key schema: `userId` partition, `dateCreated` sort;
    returns once it is ACTIVE (a server creates tables asynchronously)."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "userId", "AttributeType": "S"},
            {"AttributeName": "dateCreated", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "userId", "KeyType": "HASH"},
            {"AttributeName": "dateCreated", "KeyType": "RANGE"},
        ],
    )
    client.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


@contextmanager
def _dynamodb_client() -> Iterator[DynamoDBClient]:
    """A client on the endpoint `ENDPOINT_VARIABLE` names, else on in-process moto."""
    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if not endpoint:
        with mock_aws():
            yield boto3.client("dynamodb", region_name=REGION)
        return
    yield boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def table() -> str:
    """The name of this test's todo table (see `dynamodb`)."""
    return unique_name("todos")


@pytest.fixture
def records_table() -> str:
    """The name of this test's records table (see `dynamodb`)."""
    return unique_name("todo-records")


@pytest.fixture
def dynamodb(
    request: pytest.FixtureRequest, table: str, records_table: str
) -> Iterator[DynamoDBClient]:
    """A DynamoDB client with this test's tables, `table` and `records_table`, created from the
    shared definitions and ACTIVE; they are deleted afterwards. A test marked
    `needs(operation)` is skipped, naming it, on an engine without that operation."""
    with _dynamodb_client() as client, dropped(client, table), dropped(client, records_table):
        for marker in request.node.iter_markers("needs"):
            _skip_without(client, *marker.args)
        create_table(client, table)
        create_records_table(client, records_table)
        yield client


@contextmanager
def dropped(client: DynamoDBClient, name: str) -> Iterator[None]:
    """Deletes the table `name` on the way out, if it was created."""
    try:
        yield
    finally:
        with suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)


@pytest.fixture
def legacy_table(dynamodb: DynamoDBClient) -> Iterator[str]:
    """The name of an empty, ACTIVE table with the legacy key schema; deleted afterwards."""
    name = unique_name("legacy-todos")
    with dropped(dynamodb, name):
        create_legacy_table(dynamodb, name)
        yield name


_PROBES: dict[str, Callable[[DynamoDBClient, str], object]] = {
    "TransactWriteItems": lambda client, absent: client.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": absent,
                    "Key": {"pk": {"S": "probe"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        ]
    ),
    "UpdateTimeToLive": lambda client, absent: client.update_time_to_live(
        TableName=absent, TimeToLiveSpecification={"AttributeName": "x", "Enabled": True}
    ),
}
_MISSING_OPERATIONS: dict[tuple[str, str], bool] = {}


def _skip_without(client: DynamoDBClient, operation: str) -> None:
    """Skip the test when the engine answers `operation` UnknownOperationException (dynalite
    has neither transactions nor TTL), asked once per engine with a call on a table that does
    not exist, which changes nothing anywhere."""
    key = (client.meta.endpoint_url, operation)
    if key not in _MISSING_OPERATIONS:
        try:
            _PROBES[operation](client, unique_name("probe-absent"))
        except client.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            _MISSING_OPERATIONS[key] = code == "UnknownOperationException"
        else:
            _MISSING_OPERATIONS[key] = False
    if _MISSING_OPERATIONS[key]:
        pytest.skip(f"the DynamoDB engine at {key[0]} has no {operation}")
