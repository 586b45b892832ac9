"""Batches over HTTP (uvicorn) and through the Lambda handler: order, the shared budget and
cost limit, each operation's own errors, the cap, the response size bound."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from graphql_api.gql.persisted import sha256_of
from tests.e2e.conftest import StartServer
from tests.e2e.lambda_events import Handler, LambdaContext, event

CREATE = (
    "mutation Create($content: String!) "
    '{ createTodo(input: {userId: "ann", content: $content}) { ... on Todo { id version } } }'
)
UPDATE = (
    "mutation Update($id: ID!, $status: String!, $v: Int!) "
    "{ updateTodo(input: {id: $id, status: $status, expectedVersion: $v}) "
    "{ __typename ... on Todo { status version } ... on VersionConflict { currentVersion } } }"
)
READ = "query Read($id: ID!) { todo(id: $id) { status version } }"


def batch(url: str, operations: list[Any]) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json=operations)


def op(query: str, **variables: object) -> dict[str, Any]:
    return {"query": query, "variables": variables}


def codes(answer: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in answer.get("errors", ())]


def created_id(url: str) -> str:
    answer = batch(url, [op(CREATE, content="milk")]).json()[0]
    todo_id: str = answer["data"]["createTodo"]["id"]
    return todo_id


def test_batch_runs_its_operations_in_order_and_answers_in_order(server: str) -> None:
    todo_id = created_id(server)
    answers = batch(
        server,
        [
            op(UPDATE, id=todo_id, status="started", v=1),
            op(READ, id=todo_id),
            op(UPDATE, id=todo_id, status="done", v=2),
            op(UPDATE, id=todo_id, status="again", v=2),
            op(READ, id=todo_id),
        ],
    )
    assert answers.status_code == 200
    data = [answer["data"] for answer in answers.json()]
    assert data == [
        {"updateTodo": {"__typename": "Todo", "status": "started", "version": 2}},
        {"todo": {"status": "started", "version": 2}},
        {"updateTodo": {"__typename": "Todo", "status": "done", "version": 3}},
        {"updateTodo": {"__typename": "VersionConflict", "currentVersion": 3}},
        {"todo": {"status": "done", "version": 3}},
    ]


def test_each_operation_keeps_its_own_errors(server: str) -> None:
    todo_id = created_id(server)
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(READ)}}
    answers = batch(
        server,
        [
            op(READ, id=todo_id),
            {"query": "{ todos { "},
            {"query": "{ nope }"},
            {"extensions": persisted, "variables": {"id": todo_id}},
            {"query": "{ __typename }", "extensions": persisted},
            {"variables": {}},
            op(READ, id=todo_id),
        ],
    ).json()
    assert [codes(answer) for answer in answers] == [
        [],
        ["GRAPHQL_PARSE_FAILED"],
        ["GRAPHQL_VALIDATION_FAILED"],
        ["PERSISTED_QUERY_NOT_FOUND"],
        ["PERSISTED_QUERY_HASH_MISMATCH"],
        ["BAD_REQUEST"],
        [],
    ]
    assert answers[0]["data"] == answers[6]["data"] == {"todo": {"status": "pending", "version": 1}}


def test_persisted_queries_register_and_resolve_within_a_batch(server: str) -> None:
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of("{ __typename }")}}
    answers = batch(
        server,
        [
            {"extensions": persisted},
            {"query": "{ __typename }", "extensions": persisted},
            {"extensions": persisted},
        ],
    ).json()
    assert codes(answers[0]) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert answers[1]["data"] == answers[2]["data"] == {"__typename": "Query"}


def test_batch_over_the_cap_is_refused_whole(start_server: StartServer) -> None:
    with start_server(max_batch=2) as url:
        response = batch(url, [op(CREATE, content=str(n)) for n in range(3)])
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {
                    "message": "The batch holds 3 operations; one request may hold 2.",
                    "extensions": {"code": "BATCH_TOO_LARGE"},
                }
            ]
        }
        listed = batch(url, [{"query": "{ todos { nodes { id } } }"}]).json()
        assert listed[0]["data"] == {"todos": {"nodes": []}}


def test_default_cap_is_ten(server: str) -> None:
    assert batch(server, [{"query": "{ __typename }"}] * 10).status_code == 200
    assert codes(batch(server, [{"query": "{ __typename }"}] * 11).json()) == ["BATCH_TOO_LARGE"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "The batch is empty: send at least one operation."),
        ([{"query": "{ __typename }"}, 3], "Operation 1 of the batch is not a JSON object."),
        ("{ __typename }", "The body must be a JSON object or array."),
    ],
)
def test_unusable_batch_is_a_bad_request(server: str, payload: object, message: str) -> None:
    response = httpx.post(f"{server}/graphql", json=payload)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": message,
        "extensions": {"code": "BAD_REQUEST"},
    }


def test_batch_shares_one_cost_limit(start_server: StartServer) -> None:
    # Each create costs 10 for the mutation and 2 for its fields.
    with start_server(max_cost=30) as url:
        answers = batch(url, [op(CREATE, content=str(n)) for n in range(3)]).json()
        assert [codes(answer) for answer in answers] == [[], [], ["COST_LIMIT_EXCEEDED"]]
        assert answers[2]["errors"][0]["extensions"] == {
            "code": "COST_LIMIT_EXCEEDED",
            "cost": 12,
            "limit": 30,
            "spent": 24,
        }
        listed = batch(url, [{"query": '{ todos(userId: "ann", first: 5) { nodes { content } } }'}])
        nodes = listed.json()[0]["data"]["todos"]["nodes"]
        assert sorted(node["content"] for node in nodes) == ["0", "1"]


def test_batch_shares_one_read_budget(start_server: StartServer) -> None:
    with start_server(request_max_examined=3) as url:
        ids = [created_id(url) for _ in range(2)]
        answers = batch(url, [op(READ, id=ids[0]), op(READ, id=ids[1])] * 2).json()
        assert [codes(answer) for answer in answers] == [[], [], [], ["READ_LIMIT_EXCEEDED"]]


def test_batch_over_the_response_limit_keeps_one_answer_per_operation(
    start_server: StartServer,
) -> None:
    # Ten answers of ~360 bytes are over the limit; the first ones fit with ~250-byte
    # placeholders in place of the rest.
    with start_server(max_response_bytes=3_000) as url:
        answer = batch(url, [op(CREATE, content="x" * 300)]).json()[0]
        todo_id = answer["data"]["createTodo"]["id"]
        answers = batch(url, [op("query($id: ID!) { todo(id: $id) { content } }", id=todo_id)] * 10)
        decoded = answers.json()
        kept = sum(1 for answer in decoded if "errors" not in answer)
        assert 0 < kept < 10
        assert decoded[0]["data"] == {"todo": {"content": "x" * 300}}
        assert [codes(answer) for answer in decoded] == (
            [[]] * kept + [["RESPONSE_TOO_LARGE"]] * (10 - kept)
        )
        assert len(answers.content) <= 3_000


def test_batch_through_the_lambda_handler(handler: Handler) -> None:
    body = json.dumps([op(CREATE, content="milk"), {"query": "{ todos { nodes { content } } }"}])
    response = handler(
        event(
            "http_api_v2",
            "POST",
            "/graphql",
            body=body,
            headers={"content-type": "application/json"},
        ),
        LambdaContext(),
    )
    assert response["statusCode"] == 200
    answers = json.loads(response["body"])
    assert answers[1]["data"] == {"todos": {"nodes": [{"content": "milk"}]}}
    assert "id" in answers[0]["data"]["createTodo"]
