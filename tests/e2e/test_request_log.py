"""One structured line per request, through the Lambda handler."""

from __future__ import annotations

import ast
import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from moto import mock_aws

from graphql_api.request_log import configure_logging
from tests.e2e.conftest import StartServer, fresh_handler
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


# Every kind of line break and terminal control a client can put in a path, and a forged line.
CONTROLS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x1b[31m\x00\x7f\x9b\t"
FORGED_PATH = f"/todo/a{CONTROLS}09:04:19 INFO  DELETE /todo/b 200 1.0 ms"
ESCAPED = "\\r\\n\\x0b\\x0c\\x1c\\x1d\\x1e\\x85\\u2028\\u2029\\x1b[31m\\x00\\x7f\\x9b\\t"


@contextmanager
def written(*, text: bool) -> Iterator[io.StringIO]:
    """What the service's loggers write, formatted as the entry points configure it."""
    stream = io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    handler.addFilter(lambda record: record.name.startswith("graphql_api"))
    root.addHandler(handler)
    try:
        configure_logging("INFO", text=text)
        yield stream
    finally:
        root.removeHandler(handler)


def lines_once_written(stream: io.StringIO) -> list[str]:
    """The lines, once the server (in another thread) has written its request's line."""
    deadline = time.monotonic() + 10
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    return stream.getvalue().splitlines()


def test_control_characters_in_a_path_forge_no_text_line_on_the_local_server(
    start_server: StartServer,
) -> None:
    with start_server() as url, written(text=True) as stream:
        reply = httpx.get(url + quote(FORGED_PATH))
        assert reply.status_code == 404  # a path under /todo that is no todo's

        (line,) = lines_once_written(stream)
    assert f" INFO  GET /todo/a{ESCAPED}09:04:19 INFO  DELETE /todo/b 200 1.0 ms 404 " in line
    assert line.isprintable()


@pytest.mark.parametrize("text", [True, False], ids=["text", "json"])
def test_control_characters_forge_no_line_through_lambda(handler: Handler, text: bool) -> None:
    with written(text=text) as stream:
        handler(event("rest_api_v1", "GET", FORGED_PATH), LambdaContext())
        logging.getLogger("graphql_api").warning("a message with %s", CONTROLS)

    request, other = stream.getvalue().splitlines()
    assert request.isprintable()
    assert other.isprintable()
    if text:
        assert f"GET /todo/a{ESCAPED}09:04:19" in request
        assert other.endswith(f"WARNING graphql_api: a message with {ESCAPED}")
    else:
        assert json.loads(request)["path"] == FORGED_PATH
        assert json.loads(other)["message"] == f"a message with {CONTROLS}"


def test_a_traceback_keeps_its_lines_and_escapes_other_controls() -> None:
    with written(text=True) as stream:
        try:
            raise ValueError("bad\x1b[2J\u2028value")
        except ValueError:
            logging.getLogger("graphql_api").exception("failed")

    first, *traceback = stream.getvalue().splitlines()
    assert first.endswith("ERROR graphql_api: failed")
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "ValueError: bad\\x1b[2J\\u2028value"
