"""Every line of rest-contract.md, pinned: status, headers, exact body bytes.

Each test runs three ways: REST API v1 events (stage `prod`) and HTTP API v2 events with the
`/prod` stage prefix through the Mangum handler, and HTTP against a local uvicorn server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from graphql_api.model import MAX_CONTENT_LENGTH
from tests.e2e.conftest import StartServer
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler

LIST_BOUND = 4_000
ITEM_KEYS = ["id", "userId", "dateCreated", "dateUpdated", "content", "status"]
ALLOW_HEADERS = (
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent"
)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(params=["rest_api_v1", "http_api_v2", "http"])
def rest(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, start_server: StartServer
) -> Iterator[RestClient]:
    if request.param == "http":
        with start_server(max_response_bytes=LIST_BOUND) as url:
            yield over_http(url)
    else:
        monkeypatch.setenv("TODO_MAX_RESPONSE_BYTES", str(LIST_BOUND))
        yield through_handler(request.getfixturevalue("handler"), request.param)


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def legacy_response(reply: Reply) -> Any:
    """The body, after checking what every legacy response carries."""
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["content-type"] == "application/json"
    value = json.loads(reply.body)
    assert reply.body == compact(value), "not compact JSON, or non-ASCII escaped"
    return value


def assert_legacy_item(item: dict[str, Any], *, content: bool = True) -> None:
    assert list(item) == [k for k in ITEM_KEYS if content or k != "content"]
    assert UUID.match(item["id"])
    assert type(item["dateCreated"]) is int
    assert type(item["dateUpdated"]) is int


def create(rest: RestClient, body: Any) -> dict[str, Any]:
    reply = rest.request("POST", "/todo", json.dumps(body))
    assert reply.status == 200, reply
    item: dict[str, Any] = legacy_response(reply)
    return item


def envelope(reply: Reply, status: int, message: str) -> str:
    assert reply.status == status, reply
    body = legacy_response(reply)
    assert list(body) == ["message", "description"]
    assert body["message"] == message
    description: str = body["description"]
    assert "Traceback" not in description
    return description


# POST /todo


def test_create_answers_the_new_item_in_legacy_order(rest: RestClient) -> None:
    item = create(
        rest,
        {"userId": "pub0001", "content": "Köln ✓", "id": "x", "status": "done", "dateCreated": 5},
    )
    assert_legacy_item(item)
    assert item["userId"] == "pub0001"
    assert item["content"] == "Köln ✓"
    assert item["status"] == "pending"
    assert item["dateCreated"] == item["dateUpdated"] > 1_700_000_000_000
    assert item["id"] != "x"


def test_create_without_content_omits_it(rest: RestClient) -> None:
    item = create(rest, {"userId": "pub0001"})
    assert_legacy_item(item, content=False)


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({"content": "x"}, "userId is required."),
        ({"userId": "", "content": "x"}, "userId must not be empty."),
        ({"userId": 7, "content": "x"}, "userId must be a string."),
        ({"userId": "a", "content": 7}, "content must be a string."),
        ({"userId": "a", "content": None}, "content must be a string."),
        (
            {"userId": "a", "content": "x" * (MAX_CONTENT_LENGTH + 1)},
            f"content must be at most {MAX_CONTENT_LENGTH} characters long.",
        ),
        ([1, 2], "The request body must be a JSON object."),
    ],
)
def test_create_refuses_bad_fields_with_400_and_writes_nothing(
    rest: RestClient, body: Any, description: str
) -> None:
    reply = rest.request("POST", "/todo", json.dumps(body))
    assert envelope(reply, 400, "Could not save to dynamoDB") == description
    assert legacy_response(rest.request("GET", "/todo")) == {"data": []}


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ("{oops", "The request body is not valid JSON."),
        ("", "The request body is empty; send a JSON object."),
        (b"\xff\xfe", "The request body is not valid JSON."),
    ],
)
def test_unparsable_bodies_get_400(rest: RestClient, body: str | bytes, description: str) -> None:
    for method, path in (("POST", "/todo"), ("PUT", "/todo/some-id")):
        reply = rest.request(method, path, body)
        assert envelope(reply, 400, "Could not save to dynamoDB") == description


def test_oversize_body_gets_413(rest: RestClient) -> None:
    body = json.dumps({"userId": "a", "content": "x" * 300_000})
    reply = rest.request("POST", "/todo", body)
    assert "over 262144 bytes" in envelope(reply, 413, "Could not save to dynamoDB")


# GET /todo


def test_list_of_nothing_is_exactly_empty_data(rest: RestClient) -> None:
    reply = rest.request("GET", "/todo")
    assert reply.status == 200
    legacy_response(reply)
    assert reply.body == b'{"data":[]}'


def test_list_holds_every_item(rest: RestClient) -> None:
    made = [create(rest, {"userId": f"u{n % 2}", "content": str(n)}) for n in range(5)]
    body = legacy_response(rest.request("GET", "/todo"))
    assert list(body) == ["data"]
    assert sorted(body["data"], key=lambda i: i["id"]) == sorted(made, key=lambda i: i["id"])


def test_list_by_user_keeps_only_theirs_in_creation_order(rest: RestClient) -> None:
    made = [create(rest, {"userId": f"u{n % 2}", "content": str(n)}) for n in range(6)]
    body = legacy_response(rest.request("GET", "/todo?userId=u1"))
    assert body == {"data": [m for m in made if m["userId"] == "u1"]}


def test_list_continues_with_next_where_the_size_bound_cuts_it(rest: RestClient) -> None:
    made = {create(rest, {"userId": "a", "content": "x" * 300})["id"] for _ in range(25)}
    seen: list[str] = []
    path = "/todo"
    for _ in range(10):
        reply = rest.request("GET", path)
        body = legacy_response(reply)
        assert len(reply.body) <= LIST_BOUND
        seen += [item["id"] for item in body["data"]]
        if "next" not in body:
            break
        assert list(body) == ["data", "next"]
        path = f"/todo?next={body['next']}"
    assert len(seen) == len(made) == len(set(seen))
    assert set(seen) == made


def test_list_with_a_bad_cursor_is_400(rest: RestClient) -> None:
    reply = rest.request("GET", "/todo?next=garbage")
    description = envelope(reply, 400, "Could not list wall posts")
    assert description == "next is not a cursor this listing issued."


# GET /todo/{id}


def test_fetch_answers_an_array_of_the_item(rest: RestClient) -> None:
    item = create(rest, {"userId": "someone-else", "content": "x"})
    reply = rest.request("GET", f"/todo/{item['id']}")
    assert reply.status == 200
    assert reply.body == compact([item])
    assert reply.headers["etag"] == '"1"'


@pytest.mark.parametrize("todo_id", ["nope", "x" * 3_000])
def test_fetch_of_unknown_id_is_an_empty_array_not_404(rest: RestClient, todo_id: str) -> None:
    reply = rest.request("GET", f"/todo/{todo_id}")
    assert reply.status == 200
    legacy_response(reply)
    assert reply.body == b"[]"


# PUT /todo/{id}


def test_update_changes_only_what_is_given_and_wraps_in_attributes(rest: RestClient) -> None:
    item = create(rest, {"userId": "a", "content": "milk"})
    reply = rest.request("PUT", f"/todo/{item['id']}", json.dumps({"status": "done"}))
    body = legacy_response(reply)
    assert list(body) == ["Attributes"]
    updated = body["Attributes"]
    assert_legacy_item(updated)
    assert {**item, "status": "done", "dateUpdated": updated["dateUpdated"]} == updated
    assert updated["dateUpdated"] >= item["dateUpdated"]
    assert reply.headers["etag"] == '"2"'


def test_update_of_unknown_id_is_404_and_creates_nothing(rest: RestClient) -> None:
    reply = rest.request("PUT", "/todo/ghost", json.dumps({"content": "x"}))
    assert envelope(reply, 404, "Could not save to dynamoDB") == "No todo has id 'ghost'."
    assert rest.request("GET", "/todo/ghost").body == b"[]"


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({"status": 3}, "status must be a string."),
        ({"content": ""}, "content must not be empty."),
        ({"content": ["x"]}, "content must be a string."),
    ],
)
def test_update_refuses_bad_fields_and_changes_nothing(
    rest: RestClient, body: Any, description: str
) -> None:
    item = create(rest, {"userId": "a", "content": "milk"})
    reply = rest.request("PUT", f"/todo/{item['id']}", json.dumps(body))
    assert envelope(reply, 400, "Could not save to dynamoDB") == description
    assert rest.request("GET", f"/todo/{item['id']}").body == compact([item])


# DELETE /todo/{id}


def test_delete_answers_an_empty_object(rest: RestClient) -> None:
    item = create(rest, {"userId": "a", "content": "milk"})
    reply = rest.request("DELETE", f"/todo/{item['id']}")
    assert reply.status == 200
    legacy_response(reply)
    assert reply.body == b"{}"
    assert rest.request("GET", f"/todo/{item['id']}").body == b"[]"


def test_delete_of_unknown_id_also_answers_an_empty_object(rest: RestClient) -> None:
    reply = rest.request("DELETE", "/todo/ghost")
    assert (reply.status, reply.body) == (200, b"{}")


# Preflights


@pytest.mark.parametrize(
    ("path", "methods"), [("/todo", "OPTIONS,POST,GET"), ("/todo/abc", "OPTIONS,DELETE,PUT,GET")]
)
def test_preflights_answer_the_legacy_cors_headers(
    rest: RestClient, path: str, methods: str
) -> None:
    reply = rest.request(
        "OPTIONS", path, origin="https://app.example.com", access_control_request_method="PUT"
    )
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-methods"] == methods
    assert reply.headers["access-control-allow-headers"] == ALLOW_HEADERS
    assert reply.headers["content-type"] == "application/json"


# ETag and If-Match (additions)


def test_if_match_with_the_current_version_applies(rest: RestClient) -> None:
    item = create(rest, {"userId": "a", "content": "milk"})
    reply = rest.request("PUT", f"/todo/{item['id']}", '{"content":"oat milk"}', if_match='"1"')
    assert legacy_response(reply)["Attributes"]["content"] == "oat milk"
    assert reply.headers["etag"] == '"2"'
    deleted = rest.request("DELETE", f"/todo/{item['id']}", if_match='"2"')
    assert (deleted.status, deleted.body) == (200, b"{}")


def test_stale_if_match_gets_412_and_changes_nothing(rest: RestClient) -> None:
    item = create(rest, {"userId": "a", "content": "milk"})
    rest.request("PUT", f"/todo/{item['id']}", '{"status":"doing"}')
    for method, body in (("PUT", '{"status":"done"}'), ("DELETE", None)):
        reply = rest.request(method, f"/todo/{item['id']}", body, if_match='"1"')
        description = envelope(reply, 412, "Could not save to dynamoDB")
        assert "is at version 2, not the expected version 1" in description
    current = legacy_response(rest.request("GET", f"/todo/{item['id']}"))
    assert current[0]["status"] == "doing"


@pytest.mark.parametrize("if_match", ['W/"1"', "1", '"1", "2"', '"x"'])
def test_if_match_we_cannot_honour_gets_412(rest: RestClient, if_match: str) -> None:
    item = create(rest, {"userId": "a", "content": "milk"})
    reply = rest.request("DELETE", f"/todo/{item['id']}", if_match=if_match)
    envelope(reply, 412, "Could not save to dynamoDB")
    assert rest.request("GET", f"/todo/{item['id']}").body != b"[]"


def test_if_match_on_an_unknown_id_gets_412(rest: RestClient) -> None:
    for method, body in (("PUT", "{}"), ("DELETE", None)):
        reply = rest.request(method, "/todo/ghost", body, if_match="*")
        envelope(reply, 412, "Could not save to dynamoDB")


# Across the two APIs

TODO = "query($id: ID!) { todo(id: $id) { id userId content status version } }"
UPDATE = "mutation($i: UpdateTodoInput!) { updateTodo(input: $i) { ... on Todo { version } } }"
CREATE = "mutation($i: CreateTodoInput!) { createTodo(input: $i) { ... on Todo { id } } }"
DELETE = "mutation($i: DeleteTodoInput!) { deleteTodo(input: $i) { __typename } }"


def test_made_through_rest_changed_through_graphql_removed_through_rest(rest: RestClient) -> None:
    item = create(rest, {"userId": "ann", "content": "milk"})
    seen = rest.graphql(TODO, id=item["id"])["data"]["todo"]
    assert seen == {
        "id": item["id"],
        "userId": "ann",
        "content": "milk",
        "status": "pending",
        "version": 1,
    }
    changed = rest.graphql(UPDATE, i={"id": item["id"], "status": "done", "expectedVersion": 1})
    assert changed["data"]["updateTodo"] == {"version": 2}
    fetched = rest.request("GET", f"/todo/{item['id']}")
    assert legacy_response(fetched)[0]["status"] == "done"
    assert fetched.headers["etag"] == '"2"'
    assert rest.request("DELETE", f"/todo/{item['id']}").body == b"{}"
    assert rest.graphql(TODO, id=item["id"])["data"]["todo"] is None


def test_made_through_graphql_changed_through_rest_removed_through_graphql(
    rest: RestClient,
) -> None:
    todo_id = rest.graphql(CREATE, i={"userId": "bo", "content": "tea"})["data"]["createTodo"]["id"]
    reply = rest.request("PUT", f"/todo/{todo_id}", '{"content":"green tea"}', if_match='"1"')
    assert legacy_response(reply)["Attributes"]["content"] == "green tea"
    assert rest.graphql(TODO, id=todo_id)["data"]["todo"]["version"] == 2
    stale = rest.graphql(DELETE, i={"id": todo_id, "expectedVersion": 1})
    assert stale["data"]["deleteTodo"]["__typename"] == "VersionConflict"
    assert rest.graphql(DELETE, i={"id": todo_id, "expectedVersion": 2})["data"] == {
        "deleteTodo": {"__typename": "Todo"}
    }
    assert rest.request("GET", f"/todo/{todo_id}").body == b"[]"
