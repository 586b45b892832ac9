"""Each attack of the security issue, against the real server, with its exact status and code:
nothing reaches a 500, every bound holds per request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.lambda_events import Handler, LambdaContext, event, graphql_post

CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) { __typename ... on Todo { id } ... on ValidationFailed { field } }
}"""
LEGACY_SAVE = "Could not save to dynamoDB"


def graphql(url: str, query: str, **variables: Any) -> httpx.Response:
    # json.dumps escapes lone surrogates as \udXXX, as any client's JSON encoder may.
    body = json.dumps({"query": query, "variables": variables})
    return httpx.post(f"{url}/graphql", content=body, headers={"content-type": "application/json"})


def create_rest(url: str, content: str = "milk") -> dict[str, Any]:
    reply = httpx.post(f"{url}/todo", json={"userId": "ann", "content": content})
    assert reply.status_code == 200, reply.text
    created: dict[str, Any] = reply.json()
    return created


@pytest.mark.parametrize("path", ["/graphql", "/todo"])
def test_json_nested_past_the_parsers_recursion_is_a_400(server: str, path: str) -> None:
    reply = httpx.post(
        f"{server}{path}", content=b"[" * 100_000, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    if path == "/graphql":
        assert reply.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    else:
        assert reply.json()["message"] == LEGACY_SAVE


@pytest.mark.parametrize("field", ["userId", "content"])
def test_a_lone_surrogate_is_refused_over_graphql_and_nothing_is_stored(
    server: str, field: str
) -> None:
    values = {"userId": "ann", "content": "milk", field: "a\ud800b"}
    reply = graphql(server, CREATE, input=values)
    assert reply.status_code == 200
    assert reply.json()["data"]["createTodo"] == {"__typename": "ValidationFailed", "field": field}
    assert httpx.get(f"{server}/todo").json() == {"data": []}


@pytest.mark.parametrize("field", ["userId", "content"])
def test_a_lone_surrogate_is_refused_over_rest_and_nothing_is_stored(
    server: str, field: str
) -> None:
    body = json.dumps({"userId": "ann", "content": "milk", field: "\udfff"})
    reply = httpx.post(f"{server}/todo", content=body)
    assert reply.status_code == 400
    assert reply.json() == {
        "message": LEGACY_SAVE,
        "description": f"{field} must be valid Unicode text (it holds a lone surrogate).",
    }
    assert httpx.get(f"{server}/todo").json() == {"data": []}


def test_a_lone_surrogate_in_an_id_is_echoed_as_an_escape_not_a_500(server: str) -> None:
    delete = "mutation($id: ID!) { deleteTodo(input: {id: $id}) { ... on TodoNotFound { id } } }"
    reply = graphql(server, delete, id="\ud800")
    assert reply.status_code == 200
    assert b"\\ud800" in reply.content
    assert reply.json()["data"]["deleteTodo"] == {"id": "\ud800"}


@pytest.mark.parametrize(
    "tag",
    ['"²"', '"' + "9" * 39 + '"', '"' + "1" * 40 + '"', '""', '"-1"', 'W/"1"'],
)
def test_if_match_that_is_no_etag_of_ours_is_412_not_a_500(server: str, tag: str) -> None:
    todo = create_rest(server)
    reply = httpx.put(
        f"{server}/todo/{todo['id']}",
        json={"status": "done"},
        headers={b"if-match": tag.encode("latin-1")},  # how HTTP/1.1 servers decode headers
    )
    assert reply.status_code == 412
    assert reply.json()["message"] == LEGACY_SAVE
    assert httpx.get(f"{server}/todo/{todo['id']}").json()[0]["status"] == "pending"


def test_a_38_digit_if_match_is_a_well_formed_stale_version(server: str) -> None:
    todo = create_rest(server)
    reply = httpx.put(
        f"{server}/todo/{todo['id']}",
        json={"status": "done"},
        headers={"if-match": '"' + "9" * 38 + '"'},
    )
    assert reply.status_code == 412
    assert "is at version 1" in reply.json()["description"]


@pytest.mark.parametrize(
    ("method", "path", "allow", "message"),
    [
        ("PATCH", "/todo", "GET, HEAD, OPTIONS, POST", LEGACY_SAVE),
        ("DELETE", "/todo", "GET, HEAD, OPTIONS, POST", LEGACY_SAVE),
        ("POST", "/todo/abc", "DELETE, GET, HEAD, OPTIONS, PUT", LEGACY_SAVE),
        ("PATCH", "/todo/abc", "DELETE, GET, HEAD, OPTIONS, PUT", LEGACY_SAVE),
    ],
)
def test_unknown_methods_on_legacy_paths_get_405_in_the_legacy_envelope(
    server: str, method: str, path: str, allow: str, message: str
) -> None:
    reply = httpx.request(method, f"{server}{path}")
    assert reply.status_code == 405
    assert reply.headers["allow"] == allow
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.json() == {"message": message, "description": f"{method} is not served here."}


@pytest.mark.parametrize(("method", "path"), [("GET", "/todo/a/b"), ("POST", "/todo/")])
def test_unknown_legacy_paths_get_404_in_the_legacy_envelope(
    server: str, method: str, path: str
) -> None:
    reply = httpx.request(method, f"{server}{path}")
    assert reply.status_code == 404
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.json()["description"] == "No such route: use /todo or /todo/{id}."


def test_a_response_over_the_lambda_limit_becomes_a_clear_error(
    start_server: StartServer,
) -> None:
    with start_server(max_response_bytes=20_000) as url:
        for _ in range(3):
            create_rest(url, "x" * 9_000)
        query = "{ a: todos(first: 100) { nodes { content } } b: todos { nodes { content } } }"
        reply = graphql(url, query)
    assert reply.status_code == 200
    assert len(reply.content) < 1_000
    error = reply.json()["errors"][0]
    assert reply.json()["data"] is None
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert error["extensions"]["limit"] == 20_000
    # `a` read the three todos (27 KB: past the bound, so reading stopped); `b` read nothing.
    assert 27_000 < error["extensions"]["bytes"] < 28_000


def test_stored_items_examined_are_bounded_per_request_not_per_field(
    start_server: StartServer,
) -> None:
    # The cost analysis would refuse these five before any read: raise its limit so the
    # request reaches the read bound.
    with start_server(request_max_examined=250, max_examined=100, max_cost=10**9) as url:
        for n in range(120):
            create_rest(url, str(n))
        aliases = " ".join(
            f'f{n}: todos(first: 100, status: "none") {{ nodes {{ id }} }}' for n in range(5)
        )
        reply = graphql(url, f"{{ {aliases} }}")
    body = reply.json()
    assert reply.status_code == 200
    # The fields read one after another, as on Lambda: two examine 100 each, the third the 50
    # left, and the last two are refused unread.
    answered = [name for name, page in body["data"].items() if page is not None]
    refused = {e["path"][0]: e["extensions"] for e in body["errors"]}
    assert answered == ["f0", "f1", "f2"]
    assert refused == {f: {"code": "READ_LIMIT_EXCEEDED", "limit": 250} for f in ("f3", "f4")}


# Each filtered `todos` holds 1,000 of the request's 2,000 items while it reads: held at once,
# the third would be refused on an empty table.
_FILTERED_FIELDS = " ".join(f'f{n}: todos(status: "done") {{ nodes {{ id }} }}' for n in range(4))


_EMPTY_PAGES = {
    "data": {f"f{n}": {"nodes": []} for n in range(4)},
    "extensions": {"cost": {"requested": 4 * 1_021, "limit": 5_000}},
}


def test_fields_the_cost_limit_admits_all_answer_on_the_local_server(server: str) -> None:
    assert graphql(server, f"{{ {_FILTERED_FIELDS} }}").json() == _EMPTY_PAGES


def test_fields_the_cost_limit_admits_all_answer_on_lambda(handler: Handler) -> None:
    response = handler(graphql_post("http_api_v2", f"{{ {_FILTERED_FIELDS} }}"), LambdaContext())
    assert json.loads(response["body"]) == _EMPTY_PAGES


def _created_through(handler: Handler) -> str:
    created = handler(
        event("http_api_v2", "POST", "/todo", body='{"userId":"ann","content":"x"}'),
        LambdaContext(),
    )
    todo_id: str = json.loads(created["body"])["id"]
    return todo_id


def _put_done_through(handler: Handler, headers: dict[str, str]) -> dict[str, Any]:
    """A fresh todo's status set to done through the handler, with these headers."""
    put = event(
        "http_api_v2",
        "PUT",
        f"/todo/{_created_through(handler)}",
        body='{"status":"done"}',
        headers=headers,
    )
    return handler(put, LambdaContext())


@pytest.mark.parametrize("digits", ["\u00b2", "\u0661", "9" * 40])
def test_if_match_of_digits_that_are_no_version_is_412_through_lambda(
    handler: Handler, digits: str
) -> None:
    response = _put_done_through(handler, {"if-match": f'"{digits}"'})
    assert response["statusCode"] == 412
    assert json.loads(response["body"])["message"] == LEGACY_SAVE


@pytest.mark.parametrize("digits", ["\u00b2", "\u0661"])
def test_a_content_length_of_non_ascii_digits_is_no_length_through_lambda(
    handler: Handler, digits: str
) -> None:
    response = _put_done_through(handler, {"content-length": digits})
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["Attributes"]["status"] == "done"


@dataclass(frozen=True)
class EndingInvocation(LambdaContext):
    """An invocation with less time left than the margin the service keeps to answer."""

    def get_remaining_time_in_millis(self) -> int:
        return 500


def test_fields_past_the_lambda_deadline_answer_deadline_exceeded(handler: Handler) -> None:
    query = "{ todos { nodes { id } } }"
    response = handler(graphql_post("http_api_v2", query), EndingInvocation())
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert body["data"] == {"todos": None}
    assert body["errors"][0]["extensions"] == {"code": "DEADLINE_EXCEEDED"}


def test_the_legacy_list_past_the_lambda_deadline_is_503_with_retry_after(
    handler: Handler,
) -> None:
    response = handler(event("http_api_v2", "GET", "/todo"), EndingInvocation())
    assert response["statusCode"] == 503
    assert response["headers"]["retry-after"] == "1"
    assert json.loads(response["body"])["message"] == "Could not list wall posts"
