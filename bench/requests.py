"""Where a request's time goes, with DynamoDB out of the picture (the in-memory fake).

    python -m bench.requests

Prints medians (these machines are shared and noisy: compare ratios, not absolutes):
- the cold start: importing `graphql_api.handler` in a fresh interpreter;
- one GraphQL operation through our engine (as served: caches, limits, cost) and through
  Strawberry's own `Schema.execute` (its extension runner, no caches, no limits);
- one whole request through Mangum and the Starlette app, from an HTTP API v2 event.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from mangum import Mangum

from graphql_api.app import create_app
from graphql_api.auth import OpenAccess
from graphql_api.budget import Budget
from graphql_api.config import Settings
from graphql_api.gql.context import Context
from graphql_api.gql.engine import create_engine
from graphql_api.gql.schema import schema
from graphql_api.model import OPEN_ACCESS
from graphql_api.service import TodoService
from tests.e2e.lambda_events import LambdaContext, graphql_post
from tests.fakes import InMemoryDocumentStore, InMemoryTodoRepository

LOOKUP = (
    "query Lookup($id: ID!) { todo(id: $id) { id userId content status version "
    "dateCreated dateUpdated } }"
)
CREATE = (
    "mutation Create($input: CreateTodoInput!) { createTodo(input: $input) "
    "{ ... on Todo { id version } ... on Error { code } } }"
)


def median_us(run: Callable[[], object], repeat: int) -> float:
    for _ in range(20):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1_000


def cold_start_ms(repeat: int = 7) -> tuple[float, float]:
    env = {
        **os.environ,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
    }

    def once(module: str) -> float:
        start = time.perf_counter_ns()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)
        return (time.perf_counter_ns() - start) / 1e6

    handler = statistics.median(once("graphql_api.handler") for _ in range(repeat))
    bare = statistics.median(once("json") for _ in range(repeat))
    return handler, bare


def main() -> None:
    service = TodoService(InMemoryTodoRepository())
    todo = service.create(OPEN_ACCESS, Budget.unlimited(), user_id="ann", content="milk")

    loop = asyncio.new_event_loop()

    def execute(target: Any, query: str, variables: dict[str, Any]) -> Callable[[], object]:
        return lambda: loop.run_until_complete(
            target.execute(
                query,
                variable_values=variables,
                context_value=Context(service, OPEN_ACCESS, Budget.unlimited()),
            )
        )

    handler, bare = cold_start_ms()
    print(
        f"cold start: import graphql_api.handler {handler:.0f} ms "
        f"(interpreter alone {bare:.0f} ms, so {handler - bare:.0f} ms is ours)"
    )

    engine = create_engine(Settings())
    ours = median_us(execute(engine, LOOKUP, {"id": todo.id}), 2_000)
    stock = median_us(execute(schema, LOOKUP, {"id": todo.id}), 2_000)
    print(
        f"todo(id:): {ours:.0f} µs through the engine, {stock:.0f} µs through Strawberry's "
        f"Schema.execute ({stock / ours:.2f}x)"
    )

    loop.close()
    documents = InMemoryDocumentStore()
    app: Any = Mangum(create_app(service, OpenAccess(), Settings(), documents), lifespan="off")
    lookup = graphql_post("http_api_v2", LOOKUP, id=todo.id)
    create = graphql_post("http_api_v2", CREATE, input={"userId": "ann", "content": "x"})
    for name, event in (("todo(id:)", lookup), ("createTodo", create)):
        response = app(event, LambdaContext())
        assert response["statusCode"] == 200, response
        assert "errors" not in json.loads(response["body"]), response["body"]
        us = median_us(partial(app, event, LambdaContext()), 2_000)
        print(f"{name} through Mangum + Starlette + engine (no DynamoDB): {us:.0f} µs")


if __name__ == "__main__":
    main()
