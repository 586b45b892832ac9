"""What Lambda returns, measured as its runtime serialises it, stays under Lambda's limit.

The body of an answer is one JSON string in the invocation payload: each `"` and `\\` in it
takes two bytes there, each control character up to six, and a binary body is base64. The
todos planted here are the attack that once made `GET /todo` a 6.4 MB payload.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import CallCounter
from tests.e2e.lambda_events import (
    Handler,
    LambdaContext,
    event,
    graphql_post,
    payload_size,
)

LAMBDA_LIMIT = 6_291_556  # bytes of a synchronous invocation's response payload
BOUND = 5_000_000  # TODO_MAX_RESPONSE_BYTES's default
BACKSLASHES = "\\" * 10_000


def _plant(handler: Handler, todos: int, content: str) -> None:
    """`todos` todos of `content`, twenty aliased creates to a request, as on the open API."""
    create = 'createTodo(input: {userId: "ann", content: $content}) { __typename }'
    creates = " ".join(f"c{n}: {create}" for n in range(20))
    query = f"mutation($content: String!) {{ {creates} }}"
    for _ in range(todos // 20):
        answer = handler(graphql_post("http_api_v2", query, content=content), LambdaContext())
        assert answer["statusCode"] == 200
        assert "errors" not in json.loads(answer["body"])


def _list(handler: Handler, after: str | None = None) -> dict[str, Any]:
    query = {"next": after} if after else None
    return handler(event("http_api_v2", "GET", "/todo", query=query), LambdaContext())


def test_the_legacy_list_of_escaped_content_pages_within_lambdas_limit(handler: Handler) -> None:
    _plant(handler, 160, BACKSLASHES)
    seen, after, pages = 0, None, 0
    while True:
        response = _list(handler, after)
        assert response["statusCode"] == 200
        assert response["isBase64Encoded"] is False
        assert payload_size(response) < LAMBDA_LIMIT
        assert len(response["body"]) * 2 <= BOUND + 2_000  # escaped, the body is twice as long
        page = json.loads(response["body"])
        seen += len(page["data"])
        pages += 1
        if "next" not in page:
            break
        after = page["next"]
    assert (seen, pages) == (160, 2)


def test_a_graphql_answer_that_escapes_over_the_bound_is_refused(handler: Handler) -> None:
    _plant(handler, 100, BACKSLASHES)
    # 2 x 100 todos of 10,000 backslashes, each 20,000 bytes in the body (JSON escapes them
    # once), 40,000 in the payload (Lambda escapes them again): a 4.0 MB body, an 8.0 MB payload.
    fields = " ".join(f"f{n}: todos(first: 100) {{ nodes {{ content }} }}" for n in range(2))
    response = handler(graphql_post("http_api_v2", f"{{ {fields} }}"), LambdaContext())
    assert response["statusCode"] == 200
    assert payload_size(response) < 2_000
    error = json.loads(response["body"])["errors"][0]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert error["extensions"]["limit"] == BOUND
    assert error["extensions"]["bytes"] > 8_000_000


def test_one_field_of_escaped_content_is_answered_within_the_bound(handler: Handler) -> None:
    _plant(handler, 100, BACKSLASHES)
    query = "{ todos(first: 100) { nodes { content } } }"
    response = handler(graphql_post("http_api_v2", query), LambdaContext())
    nodes = json.loads(response["body"])["data"]["todos"]["nodes"]
    assert nodes == [{"content": BACKSLASHES}] * 100
    assert 4_000_000 < payload_size(response) < BOUND


def test_graphql_over_http_media_type_leaves_as_text_not_base64(handler: Handler) -> None:
    request = graphql_post("http_api_v2", "{ __typename }")
    request["headers"]["accept"] = "application/graphql-response+json"
    response = handler(request, LambdaContext())
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["content-type"] == "application/graphql-response+json"
    assert response["isBase64Encoded"] is False
    assert json.loads(response["body"])["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("selected", ["content", "id"])
def test_the_heaviest_read_stops_reading_at_what_one_answer_may_carry(
    handler: Handler, calls: CallCounter, selected: str
) -> None:
    _plant(handler, 100, "x" * 10_000)
    calls.reset()
    # Twenty pages of 100 todos of 10,000 characters: 20 MB read (and, with their content,
    # built) for an answer that could never leave. The request stops reading at 5 MB.
    fields = " ".join(f"f{n}: todos(first: 100) {{ nodes {{ {selected} }} }}" for n in range(20))
    response = handler(graphql_post("http_api_v2", f"{{ {fields} }}"), LambdaContext())
    assert payload_size(response) < BOUND
    body = json.loads(response["body"])
    answered = [name for name, page in body["data"].items() if page is not None]
    refused = {e["path"][0]: e["extensions"] for e in body["errors"]}
    assert answered == [f"f{n}" for n in range(len(answered))]
    assert 4 <= len(answered) <= 6
    assert sorted(refused) == sorted(f"f{n}" for n in range(len(answered), 20))
    assert list(refused.values()) == [{"code": "READ_LIMIT_EXCEEDED", "limitBytes": BOUND}] * len(
        refused
    )
    # DynamoDB answers at most 1 MB a call, so two a page; none for the refused fields.
    assert calls.operations == ["Scan"] * len(calls.operations)
    assert len(calls.operations) <= 2 * len(answered)


def _creates(count: int) -> str:
    create = 'createTodo(input: {userId: "ann", content: $content}) { __typename }'
    creates = " ".join(f"c{n}: {create}" for n in range(count))
    return f"mutation($content: String!) {{ {creates} }}"


def _batch(*operations: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(list(operations))
    return event("http_api_v2", "POST", "/graphql", body=body)


def test_a_batch_of_aliased_creates_is_refused_before_any_write(
    handler: Handler, calls: CallCounter
) -> None:
    # 10 operations x 30 aliased creates sharing one variable: 300 todos, 3 MB, in 113 KB.
    operation = {"query": _creates(30), "variables": {"content": "x" * 10_000}}
    response = handler(_batch(*[operation] * 10), LambdaContext())
    answers = json.loads(response["body"])
    assert calls.operations == []
    assert ["data" in answer for answer in answers] == [False] * 10  # a request error: no data
    error = answers[0]["errors"][0]
    assert error["extensions"] == {
        "code": "WRITE_LIMIT_EXCEEDED",
        "writes": 30,
        "writeBytes": 30 * (3 + 10_000),
        "maxWrites": 25,
        "maxWriteBytes": 262_144,
    }
    assert {a["errors"][0]["extensions"]["code"] for a in answers} == {"WRITE_LIMIT_EXCEEDED"}


def test_a_batch_shares_one_write_budget_and_what_fits_is_written(
    handler: Handler, calls: CallCounter
) -> None:
    within = {"query": _creates(20), "variables": {"content": "x" * 10_000}}
    over = {"query": _creates(6), "variables": {"content": "y"}}
    answers = json.loads(handler(_batch(within, over), LambdaContext())["body"])
    assert calls.operations == ["PutItem"] * 20
    assert answers[0]["extensions"]["cost"] == {
        "requested": 20 * 11,
        "limit": 5_000,
        "writes": 20,
        "writeBytes": 20 * 10_003,
    }
    refusal = answers[1]["errors"][0]["extensions"]
    assert (refusal["code"], refusal["spentWrites"], refusal["spentWriteBytes"]) == (
        "WRITE_LIMIT_EXCEEDED",
        20,
        200_060,
    )
    assert "data" not in answers[1]


def test_the_bytes_a_request_writes_are_bounded_too(handler: Handler, calls: CallCounter) -> None:
    # 9 creates of 10,000 four-byte characters: 360 KB, over the 256 KiB bound, in 9 writes.
    response = handler(
        graphql_post("http_api_v2", _creates(9), content="\U0001f600" * 10_000), LambdaContext()
    )
    error = json.loads(response["body"])["errors"][0]["extensions"]
    assert (error["code"], error["writes"], error["writeBytes"]) == (
        "WRITE_LIMIT_EXCEEDED",
        9,
        9 * 40_003,
    )
    assert calls.operations == []
