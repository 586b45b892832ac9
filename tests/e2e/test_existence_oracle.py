"""A refused conditional write costs the same for another user's todo as for an unknown id:
the same DynamoDB calls, the same answer bytes, the same log line, through GraphQL
(`expectedVersion`) and the legacy routes (`If-Match`), through the Lambda handler and over
HTTP against the local server.

Before: another user's todo made 1 call (DynamoDB returned the item it met), an unknown id 2
(a consistent read to tell a conflict from a missing todo), so the count told them apart.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import CallCounter
from tests.e2e.conftest import StartServer
from tests.e2e.lambda_events import Handler, authorizer_claims
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler
from todo_tools.tokens import issue

KINDS = ("http_api_v2", "rest_api_v1")
SECRET = "existence-oracle-tests-secret-of-32-bytes-or-more"
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


def _created(client: RestClient, caplog: pytest.LogCaptureFixture) -> str:
    seen = len(_request_lines(caplog))
    body = client.graphql(CREATE, input={"content": "ann's"})
    _next_line(caplog, seen)
    todo_id: str = body["data"]["createTodo"]["id"]
    return todo_id


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "graphql_api.request"]


def _next_line(caplog: pytest.LogCaptureFixture, seen: int) -> logging.LogRecord:
    """The log line of the request after the `seen` first. The local server writes it once the
    response is sent: it may come a moment after the response."""
    deadline = time.monotonic() + 5
    while len(lines := _request_lines(caplog)) == seen:
        assert time.monotonic() < deadline, "no request line"
        time.sleep(0.01)
    assert len(lines) == seen + 1
    return lines[seen]


def _attempt(
    write: Write, client: RestClient, todo_id: str, caplog: pytest.LogCaptureFixture
) -> tuple[Reply, dict[str, Any]]:
    """The reply, and its log line with the duration left out and the id in its path made
    generic."""
    seen = len(_request_lines(caplog))
    reply = write(client, todo_id)
    line = _next_line(caplog, seen)
    names = ("method", "path", "status", "operationName", "operationType", "codes", "dynamodbCalls")
    fields = {name: getattr(line, name) for name in names}
    fields["path"] = fields["path"].replace(todo_id, "<id>")
    return reply, fields


def _counted(
    write: Write,
    client: RestClient,
    todo_id: str,
    calls: CallCounter,
    caplog: pytest.LogCaptureFixture,
) -> tuple[Reply, list[str], dict[str, Any]]:
    calls.reset()
    reply, line = _attempt(write, client, todo_id, caplog)
    return reply, list(calls.operations), line


def _assert_alike(theirs: Reply, missing: Reply, anns: str, unknown: str) -> None:
    """The answers for ann's todo and for an unknown id, byte for byte (ids apart)."""
    assert theirs.status == missing.status
    assert theirs.body.replace(anns.encode(), unknown.encode()) == missing.body
    assert {**theirs.headers, "date": ""} == {**missing.headers, "date": ""}


def _assert_refused(write: str, theirs: Reply, stale: Reply) -> None:
    if write.startswith("GraphQL"):
        [result] = theirs.json()["data"].values()
        assert (theirs.status, result["code"]) == (200, "NOT_FOUND")
        [conflict] = stale.json()["data"].values()
        assert (stale.status, conflict["code"]) == (200, "VERSION_CONFLICT")
    else:
        assert (theirs.status, stale.status) == (412, 412)


@pytest.mark.parametrize("write", list(WRITES))
def test_a_refused_conditional_write_costs_one_call_for_anothers_todo_and_an_unknown_id(
    write: str,
    users: dict[str, RestClient],
    calls: CallCounter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    attempt, operation = WRITES[write]
    anns = _created(users["ann"], caplog)
    unknown = str(uuid.uuid4())
    theirs, their_calls, their_line = _counted(attempt, users["bob"], anns, calls, caplog)
    missing, missing_calls, missing_line = _counted(attempt, users["bob"], unknown, calls, caplog)
    stale, stale_calls, _ = _counted(attempt, users["ann"], anns, calls, caplog)
    assert their_calls == missing_calls == stale_calls == [operation]
    _assert_alike(theirs, missing, anns, unknown)
    assert their_line == missing_line
    assert their_line["dynamodbCalls"] == 1
    _assert_refused(write, theirs, stale)


@pytest.mark.parametrize("write", list(WRITES))
def test_on_the_local_server_anothers_todo_and_an_unknown_id_cost_the_same_two_calls(
    write: str, start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Its embedded DynamoDB is moto's server, at an endpoint that is not DynamoDB's: there
    a refusal is followed by a consistent read, for another's todo as for an unknown id."""
    caplog.set_level(logging.INFO)
    attempt, _ = WRITES[write]
    with start_server(auth="jwt", jwt_secret=SECRET) as url:
        base = over_http(url)
        users = {
            name: base.with_headers(authorization=f"Bearer {issue(SECRET, name, expires_s=600)}")
            for name in ("ann", "bob")
        }
        anns = _created(users["ann"], caplog)
        unknown = str(uuid.uuid4())
        theirs, their_line = _attempt(attempt, users["bob"], anns, caplog)
        missing, missing_line = _attempt(attempt, users["bob"], unknown, caplog)
        stale, stale_line = _attempt(attempt, users["ann"], anns, caplog)
    _assert_alike(theirs, missing, anns, unknown)
    assert their_line == missing_line
    assert (their_line["dynamodbCalls"], stale_line["dynamodbCalls"]) == (2, 1)
    _assert_refused(write, theirs, stale)
