from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.handlers import BUILTIN_HANDLERS
from hypothesis.configuration import set_hypothesis_home_dir
from moto import mock_aws

from graphql_api.repository.table import create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TABLE = "todos-test"
REGION = "eu-west-1"
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


def create_legacy_table(client: DynamoDBClient, name: str) -> None:
    """A table with the legacy Node.js API's key schema: `userId` partition, `dateCreated` sort."""
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


@pytest.fixture
def dynamodb() -> Iterator[DynamoDBClient]:
    """A DynamoDB client on moto, with the todo table created from the shared definition."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        yield client
