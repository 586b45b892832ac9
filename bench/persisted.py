"""What persisted queries and batches cost and save, with DynamoDB out of the picture.

    python -m bench.persisted

Prints medians through Mangum and the Starlette app (HTTP API v2 events, the in-memory
repository and document store; these machines are shared and noisy: compare ratios):
- one `todo(id:)` sent as text, as a persisted query's hash (the instance's cache answers),
  and as text with its hash (a registration: the store is written);
- ten lookups as ten requests and as one batch;
- the bytes each request carries.

In process, with reads that take microseconds, a batch can come out slower than separate
requests: each operation hands its read to a worker thread right after the previous one, and
that handoff waits on CPython's switch interval (5 ms); `sys.setswitchinterval(1e-4)` before
`main()` shows the batch ahead again. Against DynamoDB, and over a network, the round trips a
batch saves dominate.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from mangum import Mangum

from bench.requests import LOOKUP, median_us
from graphql_api.app import create_app
from graphql_api.auth import OpenAccess
from graphql_api.budget import Budget
from graphql_api.config import Settings
from graphql_api.gql.persisted import sha256_of
from graphql_api.model import OPEN_ACCESS
from graphql_api.service import TodoService
from tests.e2e.lambda_events import LambdaContext, event
from tests.fakes import InMemoryDocumentStore, InMemoryTodoRepository

PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(LOOKUP)}}


def post(body: object) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    return event("http_api_v2", "POST", "/graphql", body=json.dumps(body), headers=headers)


def main() -> None:
    service = TodoService(InMemoryTodoRepository())
    todo = service.create(OPEN_ACCESS, Budget.unlimited(), user_id="ann", content="milk")
    app: Any = Mangum(
        create_app(service, OpenAccess(), Settings(), InMemoryDocumentStore()), lifespan="off"
    )
    variables = {"id": todo.id}
    as_text = post({"query": LOOKUP, "variables": variables})
    registering = post({"query": LOOKUP, "variables": variables, "extensions": PERSISTED})
    by_hash = post({"variables": variables, "extensions": PERSISTED})
    for name, payload in (
        ("as text", as_text),
        ("as text + hash (registers)", registering),
        ("by hash (cache)", by_hash),
    ):
        response = app(payload, LambdaContext())
        assert "errors" not in json.loads(response["body"]), response["body"]
        us = median_us(partial(app, payload, LambdaContext()), 2_000)
        print(f"todo(id:) {name}: {us:.0f} µs, request body {len(payload['body'])} bytes")

    one = median_us(partial(app, as_text, LambdaContext()), 1_000)
    batch = post([{"query": LOOKUP, "variables": variables}] * 10)
    assert len(json.loads(app(batch, LambdaContext())["body"])) == 10
    ten = median_us(partial(app, batch, LambdaContext()), 500)
    print(
        f"ten todo(id:): {10 * one:.0f} µs as ten requests, {ten:.0f} µs as one batch "
        f"({10 * one / ten:.2f}x), before any network round trip"
    )


if __name__ == "__main__":
    main()
