"""Warm requests: API Gateway HTTP API (v2) events through the Lambda handler, in process.

DynamoDB is `fake_dynamodb` at botocore's transport. Each round sends every operation once, in
a fixed order that leaves the table as it found it (what a round creates, it deletes); the
figure per operation is the median over rounds of one call's time, and the DynamoDB calls it
made.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.fake_dynamodb import FakeDynamoDB, install, todo_item
from tests.e2e.lambda_events import LambdaContext, event, graphql_post

SEEDED = 20
FIELDS = "id userId content status version dateCreated dateUpdated"
LOOKUP = f"query Lookup($id: ID!) {{ todo(id: $id) {{ {FIELDS} }} }}"
LIST = (
    f"query List {{ todos(first: 20) {{ edges {{ cursor node {{ {FIELDS} }} }} "
    "pageInfo { hasNextPage endCursor } } }"
)
CREATE = (
    "mutation Create($input: CreateTodoInput!) { createTodo(input: $input) "
    f"{{ __typename ... on Todo {{ {FIELDS} }} ... on Error {{ code }} }} }}"
)
UPDATE = (
    "mutation Update($input: UpdateTodoInput!) { updateTodo(input: $input) "
    f"{{ __typename ... on Todo {{ {FIELDS} }} ... on Error {{ code }} }} }}"
)
DELETE = (
    "mutation Delete($input: DeleteTodoInput!) { deleteTodo(input: $input) "
    "{ __typename ... on Todo { id } ... on Error { code } } }"
)
ALIASES = 10

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def seed_id(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def _aliased() -> str:
    fields = " ".join(f"t{n}: todo(id: $id{n}) {{ {FIELDS} }}" for n in range(ALIASES))
    variables = ", ".join(f"$id{n}: ID!" for n in range(ALIASES))
    return f"query Many({variables}) {{ {fields} }}"


@dataclass
class Bench:
    ours: Handler
    plain: Handler
    fake: FakeDynamoDB
    created: list[str] = field(default_factory=list)

    def operations(self) -> dict[str, Callable[[], tuple[Handler, dict[str, Any]]]]:
        """Each operation's handler and a fresh event for it, in the order a round sends them."""
        rest, gql, one = self._rest, self._graphql, seed_id(0)
        aliased = _aliased()
        return {
            "plain GET /todo/{id}": lambda: (self.plain, rest("GET", f"/todo/{one}")[1]),
            "GraphQL todo(id:)": lambda: gql(LOOKUP, id=one),
            "REST GET /todo/{id}": lambda: rest("GET", f"/todo/{one}"),
            "GraphQL todos(first: 20)": lambda: gql(LIST),
            f"REST GET /todo ({SEEDED} todos)": lambda: rest("GET", "/todo"),
            "GraphQL createTodo": lambda: gql(CREATE, input={"userId": "ann", "content": "eggs"}),
            "GraphQL updateTodo": lambda: gql(UPDATE, input={"id": seed_id(1), "status": "done"}),
            "GraphQL deleteTodo": lambda: gql(DELETE, input={"id": self.created.pop()}),
            f"GraphQL {ALIASES} aliased todo(id:)": lambda: gql(
                aliased, **{f"id{n}": seed_id(n) for n in range(ALIASES)}
            ),
            "REST POST /todo": lambda: rest("POST", "/todo", {"userId": "ann", "content": "eggs"}),
            "REST PUT /todo/{id}": lambda: rest("PUT", f"/todo/{seed_id(2)}", {"status": "done"}),
            "REST DELETE /todo/{id}": lambda: rest("DELETE", f"/todo/{self.created.pop()}"),
        }

    def _graphql(self, query: str, **variables: Any) -> tuple[Handler, dict[str, Any]]:
        return self.ours, graphql_post("http_api_v2", query, **variables)

    def _rest(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[Handler, dict[str, Any]]:
        text = json.dumps(body) if body is not None else None
        headers = {"content-length": str(len(text))} if text is not None else None
        return self.ours, event("http_api_v2", method, path, body=text, headers=headers)

    def send(self, name: str, make: Callable[[], tuple[Handler, dict[str, Any]]]) -> float:
        """One call's microseconds; checks the answer and keeps what a create made."""
        handler, payload = make()
        started = time.perf_counter_ns()
        response = handler(payload, LambdaContext())
        elapsed = (time.perf_counter_ns() - started) / 1000
        body = json.loads(response["body"])
        if response["statusCode"] != 200 or (isinstance(body, dict) and "errors" in body):
            raise RuntimeError(f"{name}: {response['statusCode']} {response['body']}")
        if "createTodo" in name:
            self.created.append(body["data"]["createTodo"]["id"])
        elif name.startswith("REST POST"):
            self.created.append(body["id"])
        return elapsed


@dataclass(frozen=True)
class Figure:
    median_us: float
    calls: str
    """The DynamoDB operations one call made, e.g. `1 GetItem`."""


def start() -> Bench:
    """Import the Lambda handler as Lambda would, with its logs going nowhere (the formatting
    still counts), and DynamoDB answered by the fake."""
    os.environ.update(
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        TODO_TABLE_NAME="todos-bench",
    )
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(open(os.devnull, "w")))  # noqa: SIM115
    fake = install()
    for number in range(SEEDED):
        fake.put(todo_item(seed_id(number), created_ms=1_795_768_401_000 + number))
    ours = importlib.import_module("graphql_api.handler").handler
    plain = importlib.import_module("bench.plain_handler").handler
    return Bench(ours, plain, fake)


def measure(bench: Bench, rounds: int, warmup: int = 20) -> dict[str, Figure]:
    operations = bench.operations()
    times: dict[str, list[float]] = {name: [] for name in operations}
    calls: dict[str, Counter[str]] = {}
    for number in range(warmup + rounds):
        for name, make in operations.items():
            before = len(bench.fake.calls)
            elapsed = bench.send(name, make)
            calls[name] = Counter(bench.fake.calls[before:])
            if number >= warmup:
                times[name].append(elapsed)
    return {
        name: Figure(statistics.median(times[name]), _calls(calls[name])) for name in operations
    }


def _calls(counted: Counter[str]) -> str:
    return ", ".join(f"{count} {operation}" for operation, count in sorted(counted.items()))
