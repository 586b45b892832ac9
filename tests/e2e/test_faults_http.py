"""Storage faults through the Lambda handler, on both doors: DynamoDB refused, stalled,
throttled or failing, injected below botocore (a real HTTP server in front of moto), so that
botocore's own timeouts and retries run. Each case asserts the client's exact answer, the
attempts botocore made, the time spent against the configured bound, and recovery."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from mangum import Mangum

from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings
from tests.e2e.lambda_events import LambdaContext, event
from tests.fault_server import Fault, FaultyDynamoDB, faulty_dynamodb
from todo_tools.tables import create_table

# Short timeouts keep the tests quick; the bounds below are computed from them.
CONNECT_S, READ_S, ATTEMPTS = 0.2, 0.3, 3
BACKOFFS_S = 0.05 + 0.1  # botocore's legacy mode for DynamoDB: 50 ms, then 100 ms
# What a request may take beyond the bound its timeouts set, on a 2-core machine running two
# suites at once: far below botocore's defaults (60 s), which is what the bound guards against;
# each attempt is counted exactly.
SLACK_S = 1.5
GRAPHQL_RESPONSE = "application/graphql-response+json"
TODO = "query One($id: ID!) { todo(id: $id) { id content } }"
UPDATE = """mutation Change($input: UpdateTodoInput!) {
  updateTodo(input: $input) { __typename ... on VersionConflict { currentVersion } }
}"""


@dataclass
class Stack:
    """The app over the faulty endpoint, with a count of the attempts botocore sends."""

    faulty: FaultyDynamoDB
    handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    settings: Settings
    attempts: list[str] = field(default_factory=list)

    def count_attempt(self, event_name: str, **_: Any) -> None:
        self.attempts.append(event_name.rpartition(".")[2])

    def call(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        response = self.handler(payload, LambdaContext())
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        body = response["body"]
        if response.get("isBase64Encoded"):  # Mangum's way with media types it does not know
            body = base64.b64decode(body)
        return response["statusCode"], headers, json.loads(body)

    def timed(self, payload: dict[str, Any]) -> tuple[float, tuple[int, dict[str, str], Any]]:
        self.attempts.clear()
        started = time.monotonic()
        answer = self.call(payload)
        return time.monotonic() - started, answer

    def create(self, content: str) -> str:
        status, _, body = self.call(rest("POST", "/todo", {"userId": "ann", "content": content}))
        assert status == 200
        todo_id: str = body["id"]
        return todo_id


def start(faulty: FaultyDynamoDB, **overrides: Any) -> Stack:
    timeouts = {
        "dynamodb_connect_timeout": CONNECT_S,
        "dynamodb_read_timeout": READ_S,
        "dynamodb_max_attempts": ATTEMPTS,
    }
    settings = Settings(
        table_name=f"todos-{uuid.uuid4().hex[:8]}",
        dynamodb_endpoint=faulty.url,
        **(timeouts | overrides),
    )
    client = dynamodb_client(settings, local_credentials=True)
    create_table(client, settings.table_name)
    stack = Stack(faulty, Mangum(build_app(settings, client), lifespan="off"), settings)
    client.meta.events.register("before-send.dynamodb", stack.count_attempt)
    return stack


@pytest.fixture
def faulty(moto_endpoint: str) -> Iterator[FaultyDynamoDB]:
    with faulty_dynamodb(moto_endpoint) as server:
        yield server


@pytest.fixture
def stack(faulty: FaultyDynamoDB, close_mangums_loop: None) -> Stack:
    return start(faulty, request_timeout=5.0)


def graphql(query: str, accept: str = "application/json", **variables: Any) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables})
    headers = {"accept": accept, "content-length": str(len(body))}
    return event("http_api_v2", "POST", "/graphql", body=body, headers=headers)


def rest(method: str, path: str, body: object = None) -> dict[str, Any]:
    text = None if body is None else json.dumps(body)
    return event("rest_api_v1", method, path, body=text)


def inject(faulty: FaultyDynamoDB, fault: str) -> None:
    if fault == "refused":
        faulty.refuse()
    else:
        faulty.fail(Fault(fault))


def heal(faulty: FaultyDynamoDB, fault: str) -> None:
    if fault == "refused":
        faulty.accept()
    else:
        faulty.fail(None)
        faulty.release_stalled()


# fault injected -> (reason named, Retry-After, attempts, seconds they take at the least)
CASES = {
    "refused": ("ConnectionFailed", 2, ATTEMPTS, BACKOFFS_S),
    "stall": ("ReadTimeout", 2, ATTEMPTS, ATTEMPTS * READ_S + BACKOFFS_S),
    "throttle": ("ProvisionedThroughputExceededException", 1, ATTEMPTS, BACKOFFS_S),
    "error_500": ("InternalServerError", 2, ATTEMPTS, BACKOFFS_S),
    "error_503": ("ServiceUnavailable", 2, ATTEMPTS, BACKOFFS_S),
    # botocore's legacy mode does not retry the account's on-demand limit.
    "request_limit": ("RequestLimitExceeded", 1, 1, 0.0),
}


def unavailable(reason: str, retry_after: int) -> str:
    return f"The todo store is unavailable ({reason}); try again in {retry_after} s."


@pytest.mark.parametrize("fault", CASES)
def test_a_fault_fails_a_graphql_field_as_service_unavailable_then_recovers(
    stack: Stack, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    todo_id = stack.create("milk")
    reason, retry_after, attempts, least_s = CASES[fault]
    inject(stack.faulty, fault)
    caplog.set_level(logging.INFO)

    elapsed, (status, _, body) = stack.timed(graphql(TODO, id=todo_id))

    assert status == 200
    assert body["data"] == {"todo": None}
    assert body["errors"] == [
        {
            "message": unavailable(reason, retry_after),
            "locations": [{"line": 1, "column": 23}],
            "path": ["todo"],
            "extensions": {
                "code": "SERVICE_UNAVAILABLE",
                "reason": reason,
                "retryAfter": retry_after,
            },
        }
    ]
    assert stack.attempts == ["GetItem"] * attempts
    assert least_s <= elapsed < least_s + SLACK_S
    (line,) = [r for r in caplog.records if r.name == "graphql_api.request"]
    assert (line.levelname, line.exc_info) == ("WARNING", None)
    assert line.faults == [{"reason": reason, "operation": "GetItem"}]  # type: ignore[attr-defined]
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == ["WARNING"]

    heal(stack.faulty, fault)
    status, _, body = stack.call(graphql(TODO, id=todo_id))
    assert (status, body["data"]) == (200, {"todo": {"id": todo_id, "content": "milk"}})


@pytest.mark.parametrize("fault", CASES)
def test_a_fault_answers_the_legacy_route_503_with_retry_after_then_recovers(
    stack: Stack, fault: str
) -> None:
    todo_id = stack.create("milk")
    reason, retry_after, attempts, least_s = CASES[fault]
    inject(stack.faulty, fault)

    elapsed, (status, headers, body) = stack.timed(rest("GET", f"/todo/{todo_id}"))

    assert status == 503
    assert headers["retry-after"] == str(retry_after)
    assert body == {
        "message": "Could not fetch wall post",
        "description": unavailable(reason, retry_after),
    }
    assert stack.attempts == ["GetItem"] * attempts
    assert least_s <= elapsed < least_s + SLACK_S

    heal(stack.faulty, fault)
    status, _, body = stack.call(rest("GET", f"/todo/{todo_id}"))
    assert (status, [item["content"] for item in body]) == (200, ["milk"])


def test_no_data_at_all_is_503_under_the_graphql_response_media_type(stack: Stack) -> None:
    todo_id = stack.create("milk")
    stack.faulty.fail(Fault.THROTTLE)
    query = "query Two($id: ID!) { a: todo(id: $id) { id } b: todo(id: $id) { id } }"

    status, headers, body = stack.call(graphql(query, GRAPHQL_RESPONSE, id=todo_id))

    assert (status, headers["retry-after"], body["data"]) == (503, "1", None)
    assert [e["path"] for e in body["errors"]] == [["a"], ["b"]]
    assert headers["content-type"] == GRAPHQL_RESPONSE


def test_anything_answered_keeps_200_under_the_graphql_response_media_type(
    stack: Stack,
) -> None:
    """A mutation that went through is data the client must see, even when the next failed."""
    todo_id = stack.create("milk")
    stack.faulty.fail_next(None, Fault.THROTTLE, Fault.THROTTLE, Fault.THROTTLE)
    query = """mutation Two($a: UpdateTodoInput!, $b: UpdateTodoInput!) {
      a: updateTodo(input: $a) { __typename } b: updateTodo(input: $b) { __typename }
    }"""
    change = {"id": todo_id, "content": "eggs"}

    status, _, body = stack.call(graphql(query, GRAPHQL_RESPONSE, a=change, b=change))

    assert status == 200
    assert body["data"] == {"a": {"__typename": "Todo"}, "b": None}
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def test_a_request_ends_within_its_deadline_plus_one_attempt_and_the_back_offs(
    faulty: FaultyDynamoDB, close_mangums_loop: None
) -> None:
    """No attempt starts after the request's deadline, retries included: a stalled store ends
    a request by `request_timeout + dynamodb_overrun_s`, however many calls it would make (the
    docs/operations.md's arithmetic, with the defaults: 10 + 1 + 2 + 0.05 + 0.1 = 13.15 s)."""
    # Attempt 1 from 0 to 1 s, attempt 2 from 1.05 s; the third would start at 2.15 s. The
    # deadline, at 1.5 s, lies 0.45 s after the second start, however late the first began.
    read_s = 1.0
    stack = start(faulty, request_timeout=1.5, dynamodb_read_timeout=read_s)
    todo_ids = [stack.create(name) for name in ("milk", "eggs", "tea")]
    faulty.fail(Fault.STALL)
    query = """mutation Three($a: UpdateTodoInput!, $b: UpdateTodoInput!, $c: UpdateTodoInput!) {
      a: updateTodo(input: $a) { __typename } b: updateTodo(input: $b) { __typename }
      c: updateTodo(input: $c) { __typename }
    }"""
    a, b, c = ({"id": todo_id, "content": "x"} for todo_id in todo_ids)

    elapsed, (status, _, body) = stack.timed(graphql(query, a=a, b=b, c=c))

    bound = stack.settings.request_timeout + stack.settings.dynamodb_overrun_s
    assert stack.settings.dynamodb_overrun_s == pytest.approx(CONNECT_S + read_s + BACKOFFS_S)
    assert stack.attempts == ["UpdateItem", "UpdateItem"]
    assert 2 * read_s + BACKOFFS_S <= elapsed < bound + SLACK_S / 2
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes == ["SERVICE_UNAVAILABLE", "DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED"]
    assert body["errors"][0]["extensions"]["reason"] == "ReadTimeout"
    assert status == 200


def test_an_update_applied_before_its_answer_was_lost_reads_as_a_version_conflict(
    stack: Stack,
) -> None:
    """DynamoDB applied the first attempt, whose answer never came; botocore's retry then
    finds version 2 where it expected 1: the client is told VERSION_CONFLICT, with the version
    its own write made, and reading shows its change. The item was changed once, whole."""
    todo_id = stack.create("milk")
    stack.faulty.fail_next(Fault.APPLY_THEN_STALL)
    change = {"id": todo_id, "content": "eggs", "expectedVersion": 1}

    _, (status, _, body) = stack.timed(graphql(UPDATE, input=change))

    assert stack.attempts == ["UpdateItem", "UpdateItem"]
    assert status == 200
    conflict = {"__typename": "VersionConflict", "currentVersion": 2}
    assert body["data"]["updateTodo"] == conflict
    status, headers, body = stack.call(rest("GET", f"/todo/{todo_id}"))
    assert ([item["content"] for item in body], headers["etag"]) == (["eggs"], '"2"')


def test_a_create_applied_before_its_answer_was_lost_succeeds_once(stack: Stack) -> None:
    """The retried put finds the item its first attempt wrote: that is this create's todo,
    not a collision, and there is exactly one."""
    stack.faulty.fail_next(Fault.APPLY_THEN_STALL)

    _, (status, _, created) = stack.timed(rest("POST", "/todo", {"userId": "ann", "content": "x"}))

    assert stack.attempts == ["PutItem", "PutItem", "GetItem"]
    assert status == 200
    status, _, listed = stack.call(rest("GET", "/todo"))
    assert listed == {"data": [created]}


def test_an_unreachable_token_issuer_is_503_not_a_refused_token(
    faulty: FaultyDynamoDB, close_mangums_loop: None
) -> None:
    """The token may be fine: the client should retry, not sign in again."""
    issuer = "https://issuer.example"
    stack = start(
        faulty,
        auth="jwt",
        jwt_issuer=issuer,
        jwt_audience="app",
        jwks_url="http://127.0.0.1:9/keys",  # the discard port: nothing listens
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": issuer, "aud": "app", "sub": "ann", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    message = unavailable("JwksUnreachable", 2)

    bearer = {"authorization": f"Bearer {token}"}
    body_text = json.dumps({"query": TODO, "variables": {"id": "t-1"}})
    status, headers, body = stack.call(
        event("http_api_v2", "POST", "/graphql", body=body_text, headers=bearer)
    )
    assert (status, headers["retry-after"]) == (503, "2")
    assert body == {"errors": [{"message": message, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}

    status, headers, body = stack.call(event("rest_api_v1", "GET", "/todo/t-1", headers=bearer))
    assert (status, headers["retry-after"]) == (503, "2")
    assert body == {"message": "Could not fetch wall post", "description": message}


def test_a_delete_applied_before_its_answer_was_lost_reads_as_not_found(stack: Stack) -> None:
    """The retry finds no todo: the client is told NOT_FOUND, and the todo is gone."""
    todo_id = stack.create("milk")
    stack.faulty.fail_next(Fault.APPLY_THEN_STALL)
    query = """mutation Drop($input: DeleteTodoInput!) {
      deleteTodo(input: $input) { __typename }
    }"""

    _, (status, _, body) = stack.timed(graphql(query, input={"id": todo_id, "expectedVersion": 1}))

    assert stack.attempts == ["DeleteItem", "DeleteItem", "GetItem"]
    assert (status, body["data"]["deleteTodo"]) == (200, {"__typename": "TodoNotFound"})
    assert stack.call(rest("GET", f"/todo/{todo_id}"))[2] == []
