"""Exactly-once creates end to end: the `Idempotency-Key` header on `POST /todo` and
`createTodo`'s `idempotencyKey`, through API Gateway events in the Mangum handler and over
HTTP against the local server, retried one after another and all at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import pytest
from moto.dynamodb.models import DynamoDBBackend

from tests.e2e.conftest import StartServer
from tests.e2e.lambda_events import authorizer_claims
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler

DOORS = ("local", "http_api_v2", "rest_api_v1")
T = TypeVar("T")
CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) {
    __typename ... on Todo { id userId content version } ... on ValidationFailed { field }
  }
}"""
REUSED = (
    b'{"message":"Could not save to dynamoDB","description":"This idempotency key was used '
    b'for a create with other input; use a new key for a new todo."}'
)


@pytest.fixture(params=DOORS)
def client(request: pytest.FixtureRequest, start_server: StartServer) -> Iterator[RestClient]:
    if request.param == "local":
        with start_server() as url:
            yield over_http(url)
        return
    yield through_handler(request.getfixturevalue("handler"), request.param)


def post(client: RestClient, body: object, **headers: str) -> Reply:
    return client.request(
        "POST", "/todo", json.dumps(body), content_type="application/json", **headers
    )


def stored_ids(client: RestClient) -> list[str]:
    reply = client.request("GET", "/todo")
    assert reply.status == 200, reply
    return sorted(item["id"] for item in reply.json()["data"])


def graphql(client: RestClient, **todo_input: Any) -> Any:
    return client.graphql(CREATE, input=todo_input)


def test_a_rest_retry_answers_byte_for_byte_as_the_first_and_creates_one_todo(
    client: RestClient,
) -> None:
    body = {"userId": "ann", "content": "milk"}
    first = post(client, body, idempotency_key="7d1f3c5e-0b7a-4c62-9d1e-1f2a3b4c5d6e")
    again = post(client, body, idempotency_key="7d1f3c5e-0b7a-4c62-9d1e-1f2a3b4c5d6e")
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body
    assert again.headers["etag"] == first.headers["etag"] == '"1"'
    assert list(first.json()) == ["id", "userId", "dateCreated", "dateUpdated", "content", "status"]
    assert stored_ids(client) == [first.json()["id"]]


def test_a_quoted_key_is_the_same_key(client: RestClient) -> None:
    body = {"userId": "ann", "content": "milk"}
    bare = post(client, body, idempotency_key="abc")
    quoted = post(client, body, idempotency_key='"abc"')
    assert quoted.body == bare.body


def test_a_rest_key_reused_with_other_input_is_422_in_the_legacy_envelope(
    client: RestClient,
) -> None:
    first = post(client, {"userId": "ann", "content": "milk"}, idempotency_key="k1")
    reused = post(client, {"userId": "ann", "content": "eggs"}, idempotency_key="k1")
    assert reused.status == 422
    assert reused.body == REUSED
    assert reused.headers["access-control-allow-origin"] == "*"
    assert stored_ids(client) == [first.json()["id"]]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("a b", "must be visible ASCII characters only (no spaces or controls)"),
        ("k" * 256, "must be at most 255 characters long"),
        ('""', "must not be empty"),
    ],
    ids=["space", "too-long", "empty"],
)
def test_a_bad_rest_key_is_400_naming_the_header_and_stores_nothing(
    client: RestClient, key: str, reason: str
) -> None:
    reply = post(client, {"userId": "ann", "content": "milk"}, idempotency_key=key)
    assert reply.status == 400
    assert reply.json() == {
        "message": "Could not save to dynamoDB",
        "description": f"The Idempotency-Key header {reason}.",
    }
    assert stored_ids(client) == []


def test_without_the_header_every_post_creates_as_the_legacy_api_did(client: RestClient) -> None:
    body = {"userId": "ann", "content": "milk"}
    assert post(client, body).body != post(client, body).body
    assert len(stored_ids(client)) == 2


def test_a_graphql_retry_returns_the_first_todo_and_reuse_is_coded(client: RestClient) -> None:
    first = graphql(client, userId="ann", content="milk", idempotencyKey="g1")
    assert first["data"]["createTodo"]["__typename"] == "Todo"
    assert graphql(client, userId="ann", content="milk", idempotencyKey="g1") == first
    reused = graphql(client, userId="ann", content="eggs", idempotencyKey="g1")
    assert reused["data"] == {"createTodo": None}
    assert reused["errors"][0]["extensions"] == {
        "code": "IDEMPOTENCY_KEY_REUSED",
        "argument": "idempotencyKey",
    }
    bad = graphql(client, userId="ann", content="milk", idempotencyKey="\x07")
    assert bad["data"]["createTodo"] == {
        "__typename": "ValidationFailed",
        "field": "idempotencyKey",
    }
    assert stored_ids(client) == [first["data"]["createTodo"]["id"]]


def test_both_doors_share_a_callers_keys(client: RestClient) -> None:
    created = graphql(client, userId="ann", content="milk", idempotencyKey="both")
    retried = post(client, {"userId": "ann", "content": "milk"}, idempotency_key="both")
    assert retried.json()["id"] == created["data"]["createTodo"]["id"]
    assert len(stored_ids(client)) == 1


def test_a_retry_after_an_update_and_a_delete_answers_as_first_and_recreates_nothing(
    client: RestClient,
) -> None:
    body = {"userId": "ann", "content": "milk"}
    first = post(client, body, idempotency_key="k1")
    todo_id = first.json()["id"]
    assert client.request("PUT", f"/todo/{todo_id}", '{"status":"done"}').status == 200
    assert post(client, body, idempotency_key="k1").body == first.body
    assert client.request("DELETE", f"/todo/{todo_id}").status == 200
    assert post(client, body, idempotency_key="k1").body == first.body
    assert stored_ids(client) == []


@pytest.mark.parametrize("kind", ["http_api_v2", "rest_api_v1"])
def test_keys_are_per_caller_and_never_reveal_anothers_todo(
    kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.delenv("TODO_JWT_SECRET", raising=False)
    handler = request.getfixturevalue("handler")
    ann = through_handler(handler, kind, authorizer_claims(kind, "ann"))
    bob = through_handler(handler, kind, authorizer_claims(kind, "bob"))
    anns = post(ann, {"content": "milk"}, idempotency_key="shared")
    bobs = post(bob, {"content": "milk"}, idempotency_key="shared")
    bobs_other = post(bob, {"content": "a secret"}, idempotency_key="shared")
    assert (anns.json()["userId"], bobs.json()["userId"]) == ("ann", "bob")
    assert anns.json()["id"] != bobs.json()["id"]
    assert bobs_other.status == 422
    assert b"milk" not in bobs_other.body
    assert post(ann, {"content": "milk"}, idempotency_key="shared").body == anns.body


def at_once(count: int, call: Callable[[], T]) -> list[T]:
    """`count` calls released together from their own threads."""
    barrier = threading.Barrier(count)
    replies: list[T] = []

    def run() -> None:
        barrier.wait()
        replies.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(replies) == count
    return replies


@pytest.fixture
def isolated_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB isolates transactions (serializably, item by item); moto does not: it checks
    a transaction's conditions and then writes, with other requests' threads running in
    between, and can fail copying a table another transaction is changing. One transaction at
    a time gives moto's server the isolation this test relies on, as DynamoDB documents it."""
    lock = threading.Lock()
    apply = DynamoDBBackend.transact_write_items

    def isolated(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> None:
        with lock:
            apply(backend, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", isolated)


@pytest.mark.usefixtures("isolated_transactions")
def test_concurrent_retries_over_http_create_exactly_one_todo_per_key(
    start_server: StartServer,
) -> None:
    with start_server() as url:
        client = over_http(url)
        for n in range(5):
            body = {"userId": "ann", "content": f"round {n}"}
            rest = at_once(6, partial(post, client, body, idempotency_key=f"rest-{n}"))
            assert {(r.status, r.body) for r in rest} == {(200, rest[0].body)}
            todo_input = {**body, "idempotencyKey": f"gql-{n}"}
            answers = at_once(6, partial(client.graphql, CREATE, input=todo_input))
            assert answers[0]["data"]["createTodo"]["__typename"] == "Todo"
            assert all(answer == answers[0] for answer in answers), answers
        assert len(stored_ids(client)) == 10
