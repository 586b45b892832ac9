"""Real client libraries against the local server, each doing a full create/read/update/delete:
Apollo Client (from npm; tests/e2e/clients/crud.mjs) with its persisted-queries link and
BatchHttpLink, and Python's gql with batching."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXTransport

from tests.e2e.conftest import StartServer
from todo_tools.tokens import issue

CLIENTS = Path(__file__).parent / "clients"
SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def node_or_skip() -> str:
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "node is not installed"
    elif not (CLIENTS / "node_modules" / "@apollo" / "client").is_dir():
        reason = "run `npm ci --prefix tests/e2e/clients --no-audit --no-fund` first"
    if reason is None:
        assert node is not None
        return node
    if os.environ.get("REQUIRE_CLIENT_TESTS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def apollo(url: str, mode: str, token: str | None = None) -> dict[str, Any]:
    node = node_or_skip()
    command = [node, str(CLIENTS / "crud.mjs"), f"{url}/graphql", mode, *([token] if token else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def assert_full_crud(steps: dict[str, Any], user: str | None = None) -> None:
    first, second = steps["created"]
    assert (first["content"], first["status"], first["version"]) == ("milk", "pending", 1)
    assert second["content"] == "bread"
    assert [todo["content"] for todo in steps["read"]] == ["milk", "bread"]
    assert steps["readAgain"] == steps["read"][0]
    assert (steps["updated"]["status"], steps["updated"]["version"]) == ("done", 2)
    assert steps["stale"] == {"__typename": "VersionConflict", "currentVersion": 2}
    assert [todo["id"] for todo in steps["deleted"]] == [first["id"], second["id"]]
    assert steps["afterDelete"] is None


def hashed_only(exchange: dict[str, Any]) -> bool:
    payload = exchange["body"] if exchange["method"] == "POST" else exchange["query"]
    operations = payload if isinstance(payload, list) else [payload]
    return all("query" not in operation for operation in operations)


def test_apollo_persisted_query_link_falls_back_then_sends_hashes(server: str) -> None:
    report = apollo(server, "apq")
    assert_full_crud(report["steps"])
    exchanges = report["exchanges"]
    # Each new operation: the hash alone, answered PersistedQueryNotFound, then hash + query.
    first, retry = exchanges[0], exchanges[2]
    assert hashed_only(first)
    assert first["body"]["operationName"] == "Create"
    assert not hashed_only(retry)
    assert retry["body"]["operationName"] == "Create"
    # The read made a second time went out as its hash alone, and was answered.
    read_again = [e for e in exchanges if e["body"]["operationName"] == "Read"][-2]
    assert hashed_only(read_again)
    assert read_again["status"] == 200


def test_apollo_persisted_queries_over_get_are_answered_uncached(server: str) -> None:
    report = apollo(server, "apq-get")
    assert_full_crud(report["steps"])
    gets = [e for e in report["exchanges"] if e["method"] == "GET"]
    assert gets
    assert all(hashed_only(e) for e in gets)
    answered = [e for e in gets if e["cacheControl"] == "no-store"]
    assert answered
    assert all("Accept, Authorization" in e["vary"] for e in answered)
    assert all(e["method"] == "POST" for e in report["exchanges"] if "mutation" in str(e["body"]))


def test_apollo_persisted_queries_with_a_token(start_server: StartServer) -> None:
    with start_server(auth="jwt", jwt_secret=SECRET) as url:
        report = apollo(url, "apq-get", issue(SECRET, "ann", expires_s=600))
    assert_full_crud(report["steps"])
    answered_gets = [e for e in report["exchanges"] if e["method"] == "GET" and e["status"] == 200]
    assert {e["cacheControl"] for e in answered_gets} <= {
        "private, no-store",
        "private, no-cache, must-revalidate",
    }
    assert "private, no-store" in {e["cacheControl"] for e in answered_gets}


@pytest.mark.parametrize("mode", ["batch", "apq-batch"])
def test_apollo_batch_http_link_sends_operations_together(server: str, mode: str) -> None:
    report = apollo(server, mode)
    assert_full_crud(report["steps"])
    bodies = [e["body"] for e in report["exchanges"]]
    assert all(isinstance(body, list) for body in bodies)
    pairs = [[op["operationName"] for op in body] for body in bodies if len(body) == 2]
    assert ["Create", "Create"] in pairs
    assert ["Delete", "Delete"] in pairs


CREATE = """
mutation Create($input: CreateTodoInput!) {
  createTodo(input: $input) { ... on Todo { id content version } }
}"""
READ = "query Read($id: ID!) { todo(id: $id) { id content status version } }"
UPDATE = """
mutation Update($input: UpdateTodoInput!) {
  updateTodo(input: $input) { ... on Todo { status version } }
}"""
DELETE = """
mutation Delete($input: DeleteTodoInput!) {
  deleteTodo(input: $input) { ... on Todo { id } }
}"""


def test_python_gql_batches_a_full_crud(server: str) -> None:
    client = Client(transport=HTTPXTransport(url=f"{server}/graphql"))
    with client as session:
        created = session.execute_batch(
            [
                GraphQLRequest(CREATE, variable_values={"input": {"userId": "py", "content": c}})
                for c in ("milk", "bread")
            ]
        )
        ids = [answer["createTodo"]["id"] for answer in created]
        read, updated, read_after, deleted, gone = session.execute_batch(
            [
                GraphQLRequest(READ, variable_values={"id": ids[0]}),
                GraphQLRequest(
                    UPDATE,
                    variable_values={
                        "input": {"id": ids[0], "status": "done", "expectedVersion": 1}
                    },
                ),
                GraphQLRequest(READ, variable_values={"id": ids[0]}),
                GraphQLRequest(DELETE, variable_values={"input": {"id": ids[1]}}),
                GraphQLRequest(READ, variable_values={"id": ids[1]}),
            ]
        )
    assert [answer["createTodo"]["content"] for answer in created] == ["milk", "bread"]
    assert read["todo"]["status"] == "pending"
    assert updated["updateTodo"] == {"status": "done", "version": 2}
    assert read_after["todo"]["version"] == 2
    assert deleted["deleteTodo"] == {"id": ids[1]}
    assert gone["todo"] is None
