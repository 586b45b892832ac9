"""What one anonymous request can store as persisted queries, through the Lambda handler (HTTP
API v2 and REST API v1 events) and over HTTP against the local server: no document over the
stored cap, one registration per request, none over GET.

Before: one 261 KB batch stored 4 documents of 64 Ki characters; a GET (an `<img>`) stored
one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from graphql_api.gql.persisted import MAX_STORED_BYTES, sha256_of
from tests.conftest import CallCounter
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler

DOORS = ("local", "http_api_v2", "rest_api_v1")
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}
JSON = {"content_type": "application/json"}


@pytest.fixture(params=DOORS)
def door(request: pytest.FixtureRequest) -> Iterator[RestClient]:
    if request.param == "local":
        yield over_http(request.getfixturevalue("server"))
        return
    yield through_handler(request.getfixturevalue("handler"), request.param)


def persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(query)}}


def registration(query: str) -> dict[str, Any]:
    return {"query": query, "extensions": persisted(query)}


def post(door: RestClient, payload: object) -> Reply:
    return door.request("POST", "/graphql", json.dumps(payload), **JSON)


def by_hash(door: RestClient, query: str) -> Any:
    return post(door, {"extensions": persisted(query)}).json()


def get_path(query: str | None, extensions: dict[str, Any]) -> str:
    params = {"extensions": json.dumps(extensions)}
    if query is not None:
        params["query"] = query
    return f"/graphql?{urlencode(params)}"


def padded(name: str, size: int) -> str:
    """A valid operation of `size` characters: the rest is one comment (one token)."""
    head = f"query {name} {{ __typename }}#"
    return head + "x" * (size - len(head))


def unstored(answer: dict[str, Any]) -> str | None:
    """The code an answer gives for not storing its query, None where it says nothing."""
    notice = answer.get("extensions", {}).get("persistedQuery")
    return None if notice is None else str(notice["code"])


def test_a_261_kb_batch_of_four_64_ki_documents_runs_them_and_stores_none(
    door: RestClient,
) -> None:
    queries = [padded(f"Q{n}", 65_000) for n in range(4)]
    body = json.dumps([registration(query) for query in queries])
    assert 260_000 < len(body) <= 256 * 1024
    reply = door.request("POST", "/graphql", body, **JSON)
    assert reply.status == 200
    answers = reply.json()
    assert [answer["data"] for answer in answers] == [{"__typename": "Query"}] * 4
    assert [unstored(answer) for answer in answers] == ["PERSISTED_QUERY_TOO_LARGE"] * 4
    notice = answers[0]["extensions"]["persistedQuery"]
    assert (notice["bytes"], notice["limit"]) == (65_000, MAX_STORED_BYTES)
    assert [by_hash(door, query) for query in queries] == [NOT_FOUND] * 4


def test_a_document_at_the_cap_is_stored(door: RestClient) -> None:
    query = padded("AtTheCap", MAX_STORED_BYTES)
    answer = post(door, registration(query)).json()
    assert (answer["data"], unstored(answer)) == ({"__typename": "Query"}, None)
    assert by_hash(door, query)["data"] == {"__typename": "Query"}


def test_a_batch_of_four_registrations_stores_the_first_and_says_so_for_the_rest(
    door: RestClient,
) -> None:
    queries = [f"query Q{n} {{ __typename }}" for n in range(4)]
    reply = post(door, [registration(query) for query in queries])
    assert reply.status == 200
    answers = reply.json()
    assert [answer["data"] for answer in answers] == [{"__typename": "Query"}] * 4
    assert [unstored(answer) for answer in answers] == [None] + [
        "PERSISTED_QUERY_REGISTRATION_LIMIT"
    ] * 3
    assert by_hash(door, queries[0])["data"] == {"__typename": "Query"}
    assert [by_hash(door, query) for query in queries[1:]] == [NOT_FOUND] * 3


def test_a_get_with_a_query_and_its_hash_runs_it_and_stores_nothing(door: RestClient) -> None:
    query = "query Img { __typename }"
    reply = door.request("GET", get_path(query, persisted(query)))
    assert reply.status == 200
    answer = reply.json()
    assert answer["data"] == {"__typename": "Query"}
    assert answer["extensions"]["persistedQuery"] == {
        "code": "PERSISTED_QUERY_REGISTRATION_NEEDS_POST",
        "message": "The query ran but was not stored: register it with POST.",
    }
    hash_only = door.request("GET", get_path(None, persisted(query)))
    assert (hash_only.status, hash_only.json()) == (200, NOT_FOUND)
    assert unstored(post(door, registration(query)).json()) is None
    found = door.request("GET", get_path(None, persisted(query)))
    assert found.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("kind", ["http_api_v2", "rest_api_v1"])
def test_one_request_writes_one_document_at_most_through_the_handler(
    kind: str, handler: Any, calls: CallCounter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    door = through_handler(handler, kind)
    calls.reset()
    post(door, [registration(f"query W{n} {{ __typename }}") for n in range(10)])
    assert calls.operations.count("PutItem") == 1
    (line,) = [r for r in caplog.records if r.name == "graphql_api.request"]
    assert line.__dict__["codes"] == ["PERSISTED_QUERY_REGISTRATION_LIMIT"] * 9
    calls.reset()
    query = "query G { __typename }"
    door.request("GET", get_path(query, persisted(query)))
    assert "PutItem" not in calls.operations
