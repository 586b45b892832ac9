"""Complete API Gateway (REST v1, HTTP v2) and Function URL events through the Mangum handler."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from moto import mock_aws

from tests.conftest import CallCounter
from tests.e2e.conftest import fresh_handler
from tests.e2e.lambda_events import KINDS, Handler, LambdaContext, event, graphql_post

CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) { ... on Todo { id version status } }
}"""


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@pytest.mark.parametrize("kind", KINDS)
def test_create_then_read_through_each_event_kind(handler: Handler, kind: str) -> None:
    created = handler(
        graphql_post(kind, CREATE, input={"userId": "ann", "content": "milk"}), LambdaContext()
    )
    assert created["statusCode"] == 200
    todo = body(created)["data"]["createTodo"]
    assert (todo["version"], todo["status"]) == (1, "pending")

    query = "query($id: ID!) { todo(id: $id) { id content } }"
    read = handler(
        event(
            kind,
            "GET",
            "/graphql",
            query={"query": query, "variables": json.dumps({"id": todo["id"]})},
        ),
        LambdaContext(),
    )
    assert read["statusCode"] == 200
    assert body(read) == {
        "data": {"todo": {"id": todo["id"], "content": "milk"}},
        "extensions": {"cost": {"requested": 3, "limit": 5_000}},
    }


@pytest.mark.parametrize("kind", KINDS)
def test_responses_carry_json_type_and_cors(handler: Handler, kind: str) -> None:
    response = handler(graphql_post(kind, "{ __typename }"), LambdaContext())
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("kind", KINDS)
def test_mutation_over_get_is_refused_with_405(handler: Handler, kind: str) -> None:
    mutation = 'mutation { createTodo(input: {userId: "a", content: "b"}) { __typename } }'
    response = handler(event(kind, "GET", "/graphql", query={"query": mutation}), LambdaContext())
    assert response["statusCode"] == 405
    assert body(response)["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_base64_encoded_bodies_are_decoded(handler: Handler) -> None:
    payload = graphql_post("http_api_v2", "{ __typename }")
    payload["body"] = base64.b64encode(payload["body"].encode()).decode()
    payload["isBase64Encoded"] = True
    assert body(handler(payload, LambdaContext())) == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requested": 1, "limit": 5_000}},
    }


def test_aliased_lookups_cost_one_batch_get(handler: Handler, calls: CallCounter) -> None:
    ids = [
        body(
            handler(
                graphql_post("http_api_v2", CREATE, input={"userId": "a", "content": c}),
                LambdaContext(),
            )
        )["data"]["createTodo"]["id"]
        for c in "xyz"
    ]
    calls.reset()
    query = (
        "query($a: ID!, $b: ID!, $c: ID!) { a: todo(id: $a) { id } "
        "b: todo(id: $b) { id } c: todo(id: $c) { id } }"
    )
    response = handler(
        graphql_post("rest_api_v1", query, a=ids[0], b=ids[1], c=ids[2]), LambdaContext()
    )
    assert body(response)["data"] == {"a": {"id": ids[0]}, "b": {"id": ids[1]}, "c": {"id": ids[2]}}
    assert calls.operations == ["BatchGetItem"]


def test_one_todo_by_either_door_costs_one_get_item(handler: Handler, calls: CallCounter) -> None:
    todo_id = body(
        handler(
            graphql_post("http_api_v2", CREATE, input={"userId": "a", "content": "c"}),
            LambdaContext(),
        )
    )["data"]["createTodo"]["id"]
    calls.reset()
    lookup = "query($id: ID!) { first: todo(id: $id) { id } again: todo(id: $id) { status } }"
    graphql = handler(graphql_post("http_api_v2", lookup, id=todo_id), LambdaContext())
    rest = handler(event("http_api_v2", "GET", f"/todo/{todo_id}"), LambdaContext())
    assert body(graphql)["data"] == {"first": {"id": todo_id}, "again": {"status": "pending"}}
    assert body(rest)[0]["id"] == todo_id
    assert calls.operations == ["GetItem", "GetItem"]


def test_each_mutation_costs_one_write(handler: Handler, calls: CallCounter) -> None:
    created = body(
        handler(
            graphql_post("http_api_v2", CREATE, input={"userId": "a", "content": "c"}),
            LambdaContext(),
        )
    )["data"]["createTodo"]
    update = "mutation($input: UpdateTodoInput!) { updateTodo(input: $input) { __typename } }"
    handler(
        graphql_post("http_api_v2", update, input={"id": created["id"], "status": "done"}),
        LambdaContext(),
    )
    delete = "mutation($input: DeleteTodoInput!) { deleteTodo(input: $input) { __typename } }"
    handler(graphql_post("http_api_v2", delete, input={"id": created["id"]}), LambdaContext())
    assert calls.operations == ["PutItem", "UpdateItem", "DeleteItem"]


@pytest.mark.usefixtures("close_mangums_loop")
def test_storage_failures_are_masked_without_aws_detail(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TODO_TABLE_NAME", "no-such-table")
    with mock_aws():
        handler = fresh_handler()
        response = handler(
            graphql_post("http_api_v2", "{ todos { nodes { id } } }"), LambdaContext()
        )
    assert response["statusCode"] == 200
    assert body(response) == {
        "data": {"todos": None},
        "errors": [
            {
                "message": "Internal server error.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["todos"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ],
        "extensions": {"cost": {"requested": 41, "limit": 5_000}},
    }
    assert "ResourceNotFoundException" in caplog.text  # the detail is logged, server side


@pytest.mark.usefixtures("close_mangums_loop")
@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/todo", "Could not list wall posts"),
        ("GET", "/todo/x", "Could not fetch wall post"),
        ("DELETE", "/todo/x", "Could not save to dynamoDB"),
    ],
)
def test_legacy_routes_mask_storage_failures_in_the_envelope(
    monkeypatch: pytest.MonkeyPatch, method: str, path: str, message: str
) -> None:
    monkeypatch.setenv("TODO_TABLE_NAME", "no-such-table")
    with mock_aws():
        response = fresh_handler()(event("rest_api_v1", method, path), LambdaContext())
    assert response["statusCode"] == 500
    assert response["body"] == (f'{{"message":"{message}","description":"Internal server error."}}')


def test_http_api_events_under_a_named_stage_reach_graphql_and_rest(handler: Handler) -> None:
    query = json.dumps({"query": "{ __typename }"})
    graphql = handler(
        event("http_api_v2", "POST", "/graphql", body=query, stage="prod"), LambdaContext()
    )
    assert json.loads(graphql["body"]) == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requested": 1, "limit": 5_000}},
    }
    rest = handler(event("http_api_v2", "GET", "/todo", stage="prod"), LambdaContext())
    assert (rest["statusCode"], rest["body"]) == (200, '{"data":[]}')


def test_rest_api_events_whose_path_keeps_the_stage_are_served_too(handler: Handler) -> None:
    payload = event("rest_api_v1", "GET", "/todo")
    payload["path"] = payload["requestContext"]["path"]  # "/prod/todo", as some setups send
    response = handler(payload, LambdaContext())
    assert (response["statusCode"], response["body"]) == (200, '{"data":[]}')


def test_unknown_paths_answer_json_404(handler: Handler) -> None:
    response = handler(event("http_api_v2", "GET", "/nope"), LambdaContext())
    assert response["statusCode"] == 404
    assert body(response)["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_root_under_a_stage_points_into_that_stage(handler: Handler) -> None:
    response = handler(event("http_api_v2", "GET", "/", stage="prod"), LambdaContext())
    assert response["statusCode"] == 200
    links = body(response)
    assert (links["graphql"], links["graphiql"]) == ("/prod/graphql", "/prod/graphiql")
