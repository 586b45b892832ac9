"""GraphQL over HTTP against a real uvicorn server on a loopback port, DynamoDB on moto's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from graphql_api.gql.http import GRAPHQL_RESPONSE
from tests.e2e.conftest import StartServer

CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) { ... on Todo { id version } }
}"""


def post(url: str, payload: Any, **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json=payload, headers=headers)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def test_create_over_post_then_read_over_get(server: str) -> None:
    created = post(
        server, {"query": CREATE, "variables": {"input": {"userId": "a", "content": "b"}}}
    )
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json"
    todo_id = created.json()["data"]["createTodo"]["id"]
    read = httpx.get(
        f"{server}/graphql",
        params={
            "query": "query($id: ID!) { todo(id: $id) { content } }",
            "variables": json.dumps({"id": todo_id}),
        },
    )
    assert read.json() == {
        "data": {"todo": {"content": "b"}},
        "extensions": {"cost": {"requested": 2, "limit": 5_000}},
    }


def test_graphql_response_media_type_is_used_when_accepted(server: str) -> None:
    response = post(server, {"query": "{ __typename }"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE


@pytest.mark.parametrize(
    ("query", "code"),
    [("{ todos { ", "GRAPHQL_PARSE_FAILED"), ("{ nope }", "GRAPHQL_VALIDATION_FAILED")],
)
def test_request_errors_get_400_in_the_graphql_response_media_type(
    server: str, query: str, code: str
) -> None:
    response = post(server, {"query": query}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "data" not in response.json()
    assert error_code(response) == code


def test_request_errors_keep_200_for_application_json(server: str) -> None:
    response = post(server, {"query": "{ nope }"}, accept="application/json")
    assert response.status_code == 200
    assert error_code(response) == "GRAPHQL_VALIDATION_FAILED"


def test_variables_of_the_wrong_type_are_bad_user_input(server: str) -> None:
    response = post(
        server, {"query": CREATE, "variables": {"input": {"userId": 5}}}, accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 400
    assert error_code(response) == "BAD_USER_INPUT"


def test_field_errors_keep_200_with_data(server: str) -> None:
    response = post(
        server, {"query": '{ todos(after: "junk") { nodes { id } } }'}, accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"todos": None}
    assert error_code(response) == "BAD_USER_INPUT"


def test_accept_with_neither_json_type_gets_406(server: str) -> None:
    response = post(server, {"query": "{ __typename }"}, accept="text/plain")
    assert response.status_code == 406
    assert error_code(response) == "NOT_ACCEPTABLE"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_unsupported_content_types_get_415(server: str, content_type: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        content=b'{"query":"{ __typename }"}',
        headers={"content-type": content_type},
    )
    assert response.status_code == 415
    assert error_code(response) == "UNSUPPORTED_MEDIA_TYPE"


def test_oversize_body_with_length_gets_413(start_server: StartServer) -> None:
    with start_server(max_body_bytes=1_000) as url:
        response = post(url, {"query": "{ __typename }", "variables": {"pad": "x" * 1_000}})
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


def test_oversize_chunked_body_gets_413_before_it_is_parsed(start_server: StartServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    with start_server(max_body_bytes=1_000) as url:
        response = httpx.post(
            f"{url}/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"query": 5}',
        b'{"query": "{ __typename }", "variables": []}',
        b'{"query": "{ __typename }", "operationName": 3}',
        b"{}",
    ],
)
def test_malformed_requests_get_400(server: str, body: bytes) -> None:
    response = httpx.post(
        f"{server}/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"


def test_unknown_operation_name_gets_400(server: str) -> None:
    response = post(server, {"query": "query A { __typename }", "operationName": "B"})
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"
    assert response.json()["errors"][0]["message"] == 'The document has no operation named "B".'


def test_several_operations_need_an_operation_name(server: str) -> None:
    document = "query A { a: __typename } query B { b: __typename }"
    unnamed = post(server, {"query": document})
    assert unnamed.status_code == 400
    assert error_code(unnamed) == "BAD_REQUEST"
    assert "operationName" in unnamed.json()["errors"][0]["message"]
    named = post(server, {"query": document, "operationName": "B"})
    assert named.status_code == 200
    assert named.json()["data"] == {"b": "Query"}


def test_mutation_over_get_gets_405(server: str) -> None:
    mutation = 'mutation { createTodo(input: {userId: "a", content: "b"}) { __typename } }'
    response = httpx.get(f"{server}/graphql", params={"query": mutation})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    listing = post(server, {"query": "{ todos { nodes { id } } }"})
    assert listing.json()["data"]["todos"]["nodes"] == []


def test_other_methods_get_json_405(server: str) -> None:
    response = httpx.put(f"{server}/graphql", json={})
    assert response.status_code == 405
    assert error_code(response) == "METHOD_NOT_ALLOWED"


def test_unknown_paths_get_json_404(server: str) -> None:
    response = httpx.get(f"{server}/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert error_code(response) == "NOT_FOUND"


def test_browsers_get_graphiql(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>GraphiQL" in response.text
    assert "script-src 'self';" in response.headers["content-security-policy"]


def test_get_without_query_for_a_json_client_is_400(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"accept": "application/json"})
    assert response.status_code == 400


def test_preflight_from_any_origin_is_answered_by_default(server: str) -> None:
    response = httpx.options(
        f"{server}/graphql",
        headers={
            "origin": "https://app.example.com",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_configured_origins_are_the_only_ones_allowed(start_server: StartServer) -> None:
    with start_server(cors_origins=("https://app.example.com",)) as url:
        allowed = post(url, {"query": "{ __typename }"}, origin="https://app.example.com")
        other = post(url, {"query": "{ __typename }"}, origin="https://evil.example")
        preflight = httpx.options(
            f"{url}/graphql",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in other.headers
    assert preflight.status_code == 400


def test_non_ascii_text_round_trips(server: str) -> None:
    content = "Köln → 東京 ✓"
    created = post(
        server,
        {
            "query": "mutation($i: CreateTodoInput!) { createTodo(input: $i) "
            "{ ... on Todo { content } } }",
            "variables": {"i": {"userId": "ü", "content": content}},
        },
    )
    assert created.json()["data"]["createTodo"]["content"] == content
    assert content.encode() in created.content


def test_the_root_points_to_graphql_and_graphiql(server: str) -> None:
    response = httpx.get(f"{server}/")
    assert response.status_code == 200
    assert response.json() == {
        "message": "The todo API: send GraphQL to /graphql, open /graphiql in a browser.",
        "graphql": "/graphql",
        "graphiql": "/graphiql",
    }
