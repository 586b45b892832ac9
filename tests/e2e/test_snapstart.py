"""SnapStart's hooks, run as Lambda's runtime runs them after restoring a snapshot."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import snapshot_restore_py

from graphql_api.compose import dynamodb_client
from graphql_api.config import Settings
from graphql_api.snapstart import after_restore, register_hooks
from tests.conftest import REGION
from tests.e2e.lambda_events import Handler, LambdaContext, graphql_post

CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) { ... on Todo { id } }
}"""


@pytest.fixture
def restore_hooks() -> Iterator[list[Any]]:
    """The runtime library's registry, emptied before and after the test."""
    registry: list[Any] = snapshot_restore_py.get_after_restore()
    registry.clear()
    yield registry
    registry.clear()


def restore(registry: list[Any]) -> None:
    """What the runtime does after it resumes a snapshot."""
    for function, args, kwargs in registry:
        function(*args, **kwargs)


def test_the_handler_registers_its_hooks_when_it_loads(
    restore_hooks: list[Any], handler: Handler
) -> None:
    """`handler` loads the handler module anew, after `restore_hooks` emptied the registry."""
    ((function, (client,), kwargs),) = restore_hooks
    assert (function, kwargs) == (after_restore, {})
    assert client.meta.service_model.service_name == "dynamodb"


def test_a_restored_handler_draws_fresh_random_numbers_and_still_serves(
    restore_hooks: list[Any], handler: Handler
) -> None:
    first = handler(
        graphql_post("http_api_v2", CREATE, input={"userId": "a", "content": "x"}), LambdaContext()
    )
    assert first["statusCode"] == 200
    snapshot = random.getstate()
    restore(restore_hooks)
    assert random.getstate() != snapshot
    again = handler(
        graphql_post("http_api_v2", CREATE, input={"userId": "a", "content": "y"}), LambdaContext()
    )
    assert again["statusCode"] == 200
    assert "createTodo" in json.loads(again["body"])["data"]


def test_outside_lambda_no_hook_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as off Lambda
    client = dynamodb_client(Settings(region=REGION), local_credentials=True)
    assert register_hooks(client) is False
