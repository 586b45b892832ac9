"""Any Unicode through create and update, on both doors, over HTTP against uvicorn on moto.

Text is drawn from every code point, lone surrogates included, and sent as `json.dumps` writes
it (a surrogate as a `\\udXXX` escape). What the server reads is `as_received(value)`. Then:

- valid text (no lone surrogate, not blank, within docs/limits.md's limits) reads back exactly;
- anything else is refused before storage: GraphQL answers `ValidationFailed` naming the field,
  REST answers 400 with the legacy envelope, and nothing is stored or changed;
- never a 5xx or INTERNAL_SERVER_ERROR, and every body is UTF-8 JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphql_api.codes import INTERNAL_SERVER_ERROR
from graphql_api.model import MAX_CONTENT_LENGTH, MAX_STATUS_LENGTH, MAX_USER_ID_LENGTH
from tests.e2e.strategies import as_received, has_lone_surrogate, texts

SAVE_FAILED = "Could not save to dynamoDB"
LIMITS = {"userId": MAX_USER_ID_LENGTH, "content": MAX_CONTENT_LENGTH, "status": MAX_STATUS_LENGTH}
USER_IDS = texts(max_size=MAX_USER_ID_LENGTH + 8)
CONTENTS = texts(max_size=200)
STATUSES = texts(max_size=MAX_STATUS_LENGTH + 8)
FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    # One server and table for all of a test's examples, on purpose: checks are per todo.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TODO_FIELDS = "id userId content status version"
CREATE = f"""mutation($input: CreateTodoInput!) {{
  createTodo(input: $input) {{
    __typename
    ... on Todo {{ {TODO_FIELDS} }}
    ... on ValidationFailed {{ code field }}
  }}
}}"""
UPDATE = f"""mutation($input: UpdateTodoInput!) {{
  updateTodo(input: $input) {{
    __typename
    ... on Todo {{ {TODO_FIELDS} }}
    ... on ValidationFailed {{ code field }}
  }}
}}"""
READ = f"query($id: ID!) {{ todo(id: $id) {{ {TODO_FIELDS} }} }}"
COUNT = """query($after: String) {
  todos(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
}"""


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    # No keep-alive: a second request on a kept connection to this uvicorn waits ~40 ms.
    no_keep_alive = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=server, limits=no_keep_alive, timeout=30) as session:
        yield session


def invalid_fields(values: dict[str, str]) -> set[str]:
    """The fields whose text, as the server receives it, breaks a rule."""
    return {name for name, value in values.items() if not is_valid(name, value)}


def is_valid(field: str, value: str) -> bool:
    received = as_received(value)
    return (
        not has_lone_surrogate(value) and bool(received.strip()) and len(received) <= LIMITS[field]
    )


def test_the_text_strategy_draws_lone_surrogates_and_valid_text() -> None:
    seen: set[bool] = set()

    @settings(max_examples=50, derandomize=True, database=None)
    @given(CONTENTS)
    def record(value: str) -> None:
        seen.add(has_lone_surrogate(value))

    record()
    assert seen == {True, False}


# GraphQL


def graphql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    payload = json.dumps({"query": query, "variables": variables}).encode()
    response = client.post(
        "/graphql", content=payload, headers={"content-type": "application/json"}
    )
    body = json_body(response)
    for error in body.get("errors", []):
        assert error["extensions"]["code"] != INTERNAL_SERVER_ERROR, (variables, error)
    assert "errors" not in body, (variables, body)
    data: dict[str, Any] = body["data"]
    return data


def json_body(response: httpx.Response) -> Any:
    assert response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    return json.loads(response.content.decode("utf-8"))


def graphql_count(client: httpx.Client) -> int:
    count, after = 0, None
    while True:
        page = graphql(client, COUNT, after=after)["todos"]
        count += len(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return count
        after = page["pageInfo"]["endCursor"]


@FUZZ
@given(user_id=USER_IDS, content=CONTENTS)
def test_graphql_create_stores_valid_text_exactly_and_refuses_the_rest(
    client: httpx.Client, user_id: str, content: str
) -> None:
    sent = {"userId": user_id, "content": content}
    before = graphql_count(client)
    result = graphql(client, CREATE, input=sent)["createTodo"]
    if invalid := invalid_fields(sent):
        assert_validation_failed(result, invalid)
        assert graphql_count(client) == before
        return
    expected = {
        "userId": as_received(user_id),
        "content": as_received(content),
        "status": "pending",
    }
    assert result == {"__typename": "Todo", **expected, "id": result["id"], "version": 1}
    read = graphql(client, READ, id=result["id"])["todo"]
    assert read == {**expected, "id": result["id"], "version": 1}


@FUZZ
@given(
    content=st.none() | CONTENTS,
    status=st.none() | STATUSES,
)
def test_graphql_update_stores_valid_text_exactly_and_refuses_the_rest(
    client: httpx.Client, content: str | None, status: str | None
) -> None:
    original = {"userId": "fuzz", "content": "as created"}
    todo = graphql(client, CREATE, input=original)["createTodo"]
    changes = {k: v for k, v in {"content": content, "status": status}.items() if v is not None}
    result = graphql(client, UPDATE, input={"id": todo["id"], **changes})["updateTodo"]
    read = graphql(client, READ, id=todo["id"])["todo"]
    if invalid := invalid_fields(changes):
        assert_validation_failed(result, invalid)
        assert read == without(todo, "__typename")
        return
    expected = {**without(todo, "__typename"), "version": 2}
    expected.update({name: as_received(value) for name, value in changes.items()})
    assert result == {"__typename": "Todo", **expected}
    assert read == expected


def assert_validation_failed(result: dict[str, Any], invalid: set[str]) -> None:
    assert result["__typename"] == "ValidationFailed", (invalid, result)
    assert result["code"] == "VALIDATION_FAILED"
    assert result["field"] in invalid, (invalid, result)


def without(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in keys}


# REST


def rest(client: httpx.Client, method: str, path: str, body: object = None) -> httpx.Response:
    content = None if body is None else json.dumps(body).encode()
    return client.request(method, path, content=content)


def rest_items(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    path = "/todo"
    while True:
        response = rest(client, "GET", path)
        assert response.status_code == 200, response.text
        page = json_body(response)
        items += page["data"]
        if "next" not in page:
            return items
        path = f"/todo?{httpx.QueryParams(next=page['next'])}"


def rest_read(client: httpx.Client, todo_id: str) -> httpx.Response:
    response = rest(client, "GET", f"/todo/{todo_id}")
    assert response.status_code == 200, response.text
    return response


def assert_refused(response: httpx.Response, sent: object) -> None:
    assert response.status_code == 400, (sent, response.status_code, response.text)
    body = json_body(response)
    assert list(body) == ["message", "description"], body
    assert body["message"] == SAVE_FAILED
    assert isinstance(body["description"], str)


@FUZZ
@given(user_id=USER_IDS, content=CONTENTS)
def test_rest_create_stores_valid_text_exactly_and_refuses_the_rest(
    client: httpx.Client, user_id: str, content: str
) -> None:
    sent = {"userId": user_id, "content": content}
    before = len(rest_items(client))
    response = rest(client, "POST", "/todo", sent)
    if invalid_fields(sent):
        assert_refused(response, sent)
        assert len(rest_items(client)) == before
        return
    assert response.status_code == 200, (sent, response.text)
    item = json_body(response)
    assert (item["userId"], item["content"]) == (as_received(user_id), as_received(content))
    assert json_body(rest_read(client, item["id"])) == [item]


@FUZZ
@given(
    content=st.none() | CONTENTS,
    status=st.none() | STATUSES,
)
def test_rest_update_stores_valid_text_exactly_and_refuses_the_rest(
    client: httpx.Client, content: str | None, status: str | None
) -> None:
    created = json_body(rest(client, "POST", "/todo", {"userId": "fuzz", "content": "as created"}))
    before = rest_read(client, created["id"])
    changes = {k: v for k, v in {"content": content, "status": status}.items() if v is not None}
    response = rest(client, "PUT", f"/todo/{created['id']}", changes)
    after = rest_read(client, created["id"])
    if invalid_fields(changes):
        assert_refused(response, changes)
        assert after.headers["etag"] == before.headers["etag"] == '"1"'
        assert json_body(after) == [created]
        return
    assert response.status_code == 200, (changes, response.text)
    item = json_body(response)["Attributes"]
    expected = {**created, **{name: as_received(value) for name, value in changes.items()}}
    assert item == {**expected, "dateUpdated": item["dateUpdated"]}
    assert json_body(after) == [item]
    assert after.headers["etag"] == '"2"'
