"""Server errors that fuzzing found outside the create and update fields, one request each.

Each echoes a lone surrogate the request carried (as a JSON `\\udXXX` escape) back into the
response, which then cannot be encoded as UTF-8: HTTP 500 with INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from graphql_api.codes import INTERNAL_SERVER_ERROR

LONE = "\ud800"
NOT_FOUND = """mutation($input: {kind}TodoInput!) {{
  {field}(input: $input) {{ __typename ... on TodoNotFound {{ id }} }}
}}"""


def post(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Status and body of a POST whose JSON escapes lone surrogates, the body checked to be
    UTF-8 JSON with no masked internal error."""
    response = httpx.post(
        f"{url}/graphql",
        content=json.dumps(payload).encode(),
        headers={"content-type": "application/json"},
    )
    body: dict[str, Any] = json.loads(response.content.decode("utf-8"))
    for error in body.get("errors", []):
        assert error["extensions"]["code"] != INTERNAL_SERVER_ERROR, (payload, error)
    return response.status_code, body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_unknown_operation_name_with_a_lone_surrogate_gets_400(server: str) -> None:
    status, body = post(server, {"query": "query A { __typename }", "operationName": LONE})
    assert (status, error_codes(body)) == (400, ["BAD_REQUEST"])


@pytest.mark.parametrize(("kind", "field"), [("Update", "updateTodo"), ("Delete", "deleteTodo")])
def test_unknown_id_with_a_lone_surrogate_is_not_found(server: str, kind: str, field: str) -> None:
    query = NOT_FOUND.format(kind=kind, field=field)
    status, body = post(server, {"query": query, "variables": {"input": {"id": LONE}}})
    assert status == 200
    assert body["data"][field]["__typename"] == "TodoNotFound"


def test_enum_variable_with_a_lone_surrogate_is_bad_user_input(server: str) -> None:
    query = "query($order: TodoOrder!) { todos(order: $order) { nodes { id } } }"
    status, body = post(server, {"query": query, "variables": {"order": LONE}})
    assert (status, error_codes(body)) == (200, ["BAD_USER_INPUT"])


def test_input_field_named_with_a_lone_surrogate_is_bad_user_input(server: str) -> None:
    query = "mutation($input: CreateTodoInput!) { createTodo(input: $input) { __typename } }"
    variables = {"input": {"userId": "ann", "content": "milk", LONE: "x"}}
    status, body = post(server, {"query": query, "variables": variables})
    assert (status, error_codes(body)) == (200, ["BAD_USER_INPUT"])
