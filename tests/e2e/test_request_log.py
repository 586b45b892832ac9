"""One structured line per request, through the Lambda handler."""

from __future__ import annotations

import ast
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from graphql_api.request_log import configure_logging
from tests.e2e.conftest import fresh_handler
from tests.e2e.lambda_events import Handler, LambdaContext, event, graphql_post

CREATE = """mutation Create($input: CreateTodoInput!) {
  createTodo(input: $input) { ... on Todo { id } }
}"""
UPDATE = """mutation Stale($input: UpdateTodoInput!) {
  updateTodo(input: $input) { __typename }
}"""


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "graphql_api.request"]


def fields(record: logging.LogRecord) -> dict[str, Any]:
    names = (
        "requestId",
        "method",
        "path",
        "status",
        "operationName",
        "operationType",
        "codes",
        "dynamodbCalls",
        "durationMs",
    )
    return {name: getattr(record, name) for name in names}


def create(handler: Handler) -> str:
    response = handler(
        graphql_post("http_api_v2", CREATE, input={"userId": "a", "content": "b"}), LambdaContext()
    )
    todo_id: str = json.loads(response["body"])["data"]["createTodo"]["id"]
    return todo_id


def test_a_graphql_request_logs_one_line_with_its_operation_and_calls(
    handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    create(handler)
    (line,) = request_lines(caplog)
    assert line.levelname == "INFO"
    logged = fields(line)
    assert logged.pop("durationMs") > 0
    assert logged == {
        "requestId": LambdaContext.aws_request_id,
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operationName": "Create",
        "operationType": "mutation",
        "codes": [],
        "dynamodbCalls": 1,
    }


def test_a_request_writes_no_line_but_ours(
    handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    create(handler)
    handler(event("http_api_v2", "GET", "/todo"), LambdaContext())
    assert [r.name for r in caplog.records] == ["graphql_api.request"] * 2


def test_expected_failures_appear_as_codes(
    handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    todo_id = create(handler)
    caplog.set_level(logging.INFO)
    caplog.clear()
    handler(
        graphql_post("http_api_v2", UPDATE, input={"id": todo_id, "expectedVersion": 9}),
        LambdaContext(),
    )
    handler(graphql_post("http_api_v2", "{ nope }"), LambdaContext())
    first, second = map(fields, request_lines(caplog))
    assert (first["codes"], first["operationType"], first["dynamodbCalls"]) == (
        ["VERSION_CONFLICT"],
        "mutation",
        1,
    )
    assert (second["codes"], second["operationType"]) == (["GRAPHQL_VALIDATION_FAILED"], None)


def test_a_legacy_route_logs_its_status_and_calls(
    handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    todo_id = create(handler)
    caplog.set_level(logging.INFO)
    caplog.clear()
    handler(event("rest_api_v1", "GET", f"/todo/{todo_id}"), LambdaContext())
    (line,) = map(fields, request_lines(caplog))
    assert (line["method"], line["path"], line["status"], line["dynamodbCalls"]) == (
        "GET",
        f"/todo/{todo_id}",
        200,
        1,
    )


@pytest.mark.usefixtures("close_mangums_loop")
def test_an_unexpected_error_puts_its_traceback_in_the_requests_line_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TODO_TABLE_NAME", "no-such-table")
    caplog.set_level(logging.INFO)
    with mock_aws():
        fresh_handler()(graphql_post("http_api_v2", "{ todos { nodes { id } } }"), LambdaContext())
    (line,) = request_lines(caplog)
    assert line.levelname == "ERROR"
    assert fields(line)["codes"] == ["INTERNAL_SERVER_ERROR"]
    assert line.exc_info is not None
    assert "ResourceNotFoundException" in repr(line.exc_info[1])
    assert [r for r in caplog.records if r.levelname == "ERROR"] == [line]


def test_lines_are_json_with_the_fields_named() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    try:
        configure_logging("INFO")
        logging.getLogger("graphql_api.request").info(
            "request", extra={"requestId": "r-1", "dynamodbCalls": 2}
        )
    finally:
        root.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["level"] == "INFO"
    assert line["logger"] == "graphql_api.request"
    assert (line["requestId"], line["dynamodbCalls"]) == ("r-1", 2)
    assert "timestamp" in line


def test_nothing_in_the_package_calls_print() -> None:
    package = Path(__file__).parents[2] / "graphql_api"
    calls = [
        f"{path.name}:{node.lineno}"
        for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
    ]
    assert calls == []
