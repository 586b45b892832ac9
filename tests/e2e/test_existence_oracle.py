"""A refused conditional write costs the same for another user's todo as for an unknown id:
the same DynamoDB calls, the same answer bytes, the same log line, through GraphQL
(`expectedVersion`) and the legacy routes (`If-Match`), through the Lambda handler.

Before: another user's todo made 1 call (DynamoDB returned the item it met), an unknown id 2
(a consistent read to tell a conflict from a missing todo), so the count told them apart.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import CallCounter
from tests.e2e.lambda_events import Handler, authorizer_claims
from tests.e2e.rest_client import Reply, RestClient, through_handler

KINDS = ("http_api_v2", "rest_api_v1")
UPDATE = """mutation Update($input: UpdateTodoInput!) {
  updateTodo(input: $input) { __typename ... on Error { code message } }
}"""
DELETE = """mutation Delete($input: DeleteTodoInput!) {
  deleteTodo(input: $input) { __typename ... on Error { code message } }
}"""
CREATE = (
    """mutation($input: CreateTodoInput!) { createTodo(input: $input) { ... on Todo { id } } }"""
)

Write = Callable[[RestClient, str], Reply]


def _graphql(mutation: str, fields: dict[str, Any]) -> Write:
    def write(client: RestClient, todo_id: str) -> Reply:
        payload = json.dumps({"query": mutation, "variables": {"input": {"id": todo_id, **fields}}})
        return client.request("POST", "/graphql", payload, content_type="application/json")

    return write


def _rest(method: str) -> Write:
    def write(client: RestClient, todo_id: str) -> Reply:
        body = json.dumps({"content": "hijacked"}) if method == "PUT" else None
        return client.request(method, f"/todo/{todo_id}", body, if_match='"7"')

    return write


WRITES: dict[str, tuple[Write, str]] = {
    "GraphQL updateTodo expectedVersion": (
        _graphql(UPDATE, {"content": "hijacked", "expectedVersion": 7}),
        "UpdateItem",
    ),
    "GraphQL deleteTodo expectedVersion": (_graphql(DELETE, {"expectedVersion": 7}), "DeleteItem"),
    "REST PUT If-Match": (_rest("PUT"), "UpdateItem"),
    "REST DELETE If-Match": (_rest("DELETE"), "DeleteItem"),
}


@pytest.fixture(params=KINDS)
def users(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, RestClient]:
    """ann and bob, as an API Gateway authorizer vouches for them."""
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.delenv("TODO_JWT_SECRET", raising=False)
    handler: Handler = request.getfixturevalue("handler")
    kind = request.param
    return {
        name: through_handler(handler, kind, authorizer_claims(kind, name))
        for name in ("ann", "bob")
    }


def _created(client: RestClient) -> str:
    body = client.graphql(CREATE, input={"content": "ann's"})
    todo_id: str = body["data"]["createTodo"]["id"]
    return todo_id


def _logged(caplog: pytest.LogCaptureFixture, todo_id: str) -> dict[str, Any]:
    """The request's log line, its duration left out and the id in its path made generic."""
    (line,) = [r for r in caplog.records if r.name == "graphql_api.request"]
    names = ("method", "path", "status", "operationName", "operationType", "codes", "dynamodbCalls")
    fields = {name: getattr(line, name) for name in names}
    fields["path"] = fields["path"].replace(todo_id, "<id>")
    return fields


def _attempt(
    write: Write,
    client: RestClient,
    todo_id: str,
    calls: CallCounter,
    caplog: pytest.LogCaptureFixture,
) -> tuple[Reply, list[str], dict[str, Any]]:
    calls.reset()
    caplog.clear()
    reply = write(client, todo_id)
    return reply, list(calls.operations), _logged(caplog, todo_id)


@pytest.mark.parametrize("write", list(WRITES))
def test_a_refused_conditional_write_costs_one_call_for_anothers_todo_and_an_unknown_id(
    write: str,
    users: dict[str, RestClient],
    calls: CallCounter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    attempt, operation = WRITES[write]
    anns = _created(users["ann"])
    unknown = str(uuid.uuid4())
    theirs, their_calls, their_line = _attempt(attempt, users["bob"], anns, calls, caplog)
    missing, missing_calls, missing_line = _attempt(attempt, users["bob"], unknown, calls, caplog)
    stale, stale_calls, _ = _attempt(attempt, users["ann"], anns, calls, caplog)
    assert their_calls == missing_calls == stale_calls == [operation]
    assert theirs.status == missing.status
    assert theirs.body.replace(anns.encode(), unknown.encode()) == missing.body
    assert theirs.headers == missing.headers
    assert their_line == missing_line
    assert their_line["dynamodbCalls"] == 1
    if write.startswith("GraphQL"):
        [result] = theirs.json()["data"].values()
        assert (theirs.status, result["code"]) == (200, "NOT_FOUND")
        [conflict] = stale.json()["data"].values()
        assert conflict["code"] == "VERSION_CONFLICT"
    else:
        assert (theirs.status, stale.status) == (412, 412)
