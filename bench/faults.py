"""What a client meets when DynamoDB fails, with the deployed settings, and why the retries
are botocore's legacy mode.

    python -m bench.faults

Runs moto's server behind `tests/fault_server.py` on loopback and prints:
- for each fault (refused, stalled, throttled, 500), `GET /todo/{id}` through Mangum with the
  template's settings (1 s connect, 2 s read, 3 attempts): status, attempts, seconds;
- botocore's retry modes after a long stall (30 stalled calls, 0.1 s read timeout), then a
  throttled calls: how many attempts each still gets. The standard mode's retry quota, kept
  for the life of the client (a warm Lambda container's), is spent by then.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

import boto3
from botocore.config import Config
from mangum import Mangum
from moto.server import ThreadedMotoServer

from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings
from graphql_api.errors import ServiceUnavailable
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from tests.e2e.lambda_events import LambdaContext, event
from tests.fault_server import Fault, FaultyDynamoDB, faulty_dynamodb
from todo_tools.tables import create_table

STALLED_CALLS = 30
Mode = Literal["standard", "legacy"]
THROTTLED_CALLS = 5


def one_request_per_fault(faulty: FaultyDynamoDB) -> None:
    settings = Settings(table_name=f"todos-{uuid.uuid4().hex[:8]}", dynamodb_endpoint=faulty.url)
    client = dynamodb_client(settings, local_credentials=True)
    create_table(client, settings.table_name)
    attempts: list[str] = []
    client.meta.events.register("before-send.dynamodb", lambda **_: attempts.append("x"))
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = Mangum(
        build_app(settings, client), lifespan="off"
    )
    created = handler(rest("POST", "/todo", {"userId": "ann", "content": "milk"}), LambdaContext())
    path = f"/todo/{json.loads(created['body'])['id']}"
    print(f"{'fault':<10} {'status':>6} {'attempts':>8} {'seconds':>8}  description")
    for name, fault in [("refused", None), ("stalled", Fault.STALL),
                        ("throttled", Fault.THROTTLE), ("500", Fault.ERROR_500)]:  # fmt: skip
        faulty.refuse() if fault is None else faulty.fail(fault)
        attempts.clear()
        started = time.monotonic()
        response = handler(rest("GET", path), LambdaContext())
        elapsed = time.monotonic() - started
        answer = json.loads(response["body"])["description"]
        print(
            f"{name:<10} {response['statusCode']:>6} {len(attempts):>8} {elapsed:>8.2f}  {answer}"
        )
        faulty.accept() if fault is None else faulty.fail(None)
        faulty.release_stalled()


def attempts_after_a_stall(faulty: FaultyDynamoDB, mode: Mode) -> list[int]:
    config = Config(
        connect_timeout=0.1, read_timeout=0.1, retries={"mode": mode, "total_max_attempts": 3}
    )
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=faulty.url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=config,
    )
    table = f"todos-{uuid.uuid4().hex[:8]}"
    create_table(client, table)
    # No create_once here: the records table is named, never used.
    repository = DynamoDBTodoRepository(client, table, records_table=f"records-{table}")
    faulty.fail(Fault.STALL)
    for _ in range(STALLED_CALLS):
        try_get(repository)
    faulty.fail(Fault.THROTTLE)
    faulty.release_stalled()
    attempts = []
    for _ in range(THROTTLED_CALLS):
        before = len(faulty.operations)
        try_get(repository)
        attempts.append(len(faulty.operations) - before)
    faulty.fail(None)
    return attempts


def try_get(repository: DynamoDBTodoRepository) -> None:
    with contextlib.suppress(ServiceUnavailable):  # what is measured is the attempts
        repository.get("t-1")


def rest(method: str, path: str, body: object = None) -> dict[str, Any]:
    return event("rest_api_v1", method, path, body=None if body is None else json.dumps(body))


def main() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with faulty_dynamodb(f"http://{host}:{port}") as faulty:
        one_request_per_fault(faulty)
        print(
            f"\nAttempts of {THROTTLED_CALLS} throttled calls after {STALLED_CALLS} stalled ones:"
        )
        modes: tuple[Mode, ...] = ("standard", "legacy")
        for mode in modes:
            print(f"{mode:<10} {attempts_after_a_stall(faulty, mode)}")
    server.stop()


if __name__ == "__main__":
    main()
