"""What one anonymous client can store as persisted queries, through the Lambda handler.

    python -m bench.persisted_storage [--seconds 5] [--baseline DIR]

Over in-process moto (HTTP API v2 events, the open API), it prints, from the records table
itself:
- one batch of 4 registrations of 65,000-character documents (a 261 KB body, under the 256 KiB
  body limit): the documents and bytes it stored;
- a client sending batches of 4 registrations of small distinct documents, one after another,
  for `--seconds`: requests sent, documents stored;
- GETs carrying a query and its hash (what an `<img>` can send): documents stored.

`--baseline DIR` runs the same in a child process on another source tree (e.g. `git archive
<commit> | tar -x -C DIR`), for before-and-after figures. moto's writes take microseconds, so
the documents a second say what the code allows, not what DynamoDB or API Gateway's throttle
(100 requests a second by default) would let through.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from tests.e2e.lambda_events import LambdaContext, event
from todo_tools.tables import create_records_table, create_table

TABLE = "bench-todos"
RECORDS = "bench-records"
REGION = "eu-west-1"
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    if args.baseline is not None:
        print(f"baseline {args.baseline}:", flush=True)
        # This file, run in the baseline's tree, whose own bench package may not have it.
        run = "import runpy, sys; sys.argv[:1] = []; runpy.run_path(sys.argv[0], None, '__main__')"
        command = [sys.executable, "-c", run, __file__, "--seconds", str(args.seconds)]
        subprocess.run(command, cwd=args.baseline, check=True)
        print("this tree:", flush=True)
    _measure(args.seconds)


def _measure(seconds: float) -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        TODO_TABLE_NAME=TABLE,
        TODO_RECORDS_TABLE=RECORDS,
        LOG_LEVEL="ERROR",
    )
    with mock_aws():
        client, handler = _handler()
        _one_big_batch(client, handler)
        _registering_for(client, handler, seconds)
        _over_get(client, handler)


def _handler() -> tuple[Any, Handler]:
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client, TABLE)
    create_records_table(client, RECORDS)
    # Imported once the environment names the tables: the module reads it, as a cold start.
    from graphql_api.handler import handler

    return client, handler


def _stored(client: Any) -> tuple[int, int]:
    """The persisted documents in the records table, and their characters."""
    count = characters = 0
    for page in client.get_paginator("scan").paginate(TableName=RECORDS):
        for item in page["Items"]:
            if item["pk"]["S"].startswith("apq#"):
                count += 1
                characters += len(item["query"]["S"])
    return count, characters


def _registration(query: str) -> dict[str, Any]:
    sha256 = hashlib.sha256(query.encode()).hexdigest()
    return {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}}


def _post(handler: Handler, payload: object) -> dict[str, Any]:
    body = json.dumps(payload)
    headers = {"content-type": "application/json"}
    return handler(
        event("http_api_v2", "POST", "/graphql", body=body, headers=headers), LambdaContext()
    )


def _padded(name: str, size: int) -> str:
    head = f"query {name} {{ __typename }}#"
    return head + "x" * (size - len(head))


def _one_big_batch(client: Any, handler: Handler) -> None:
    payload = [_registration(_padded(f"Big{n}", 65_000)) for n in range(4)]
    response = _post(handler, payload)
    count, characters = _stored(client)
    print(
        f"one batch of 4 x 65,000-character registrations ({len(json.dumps(payload)):,} bytes, "
        f"HTTP {response['statusCode']}): stored {count} documents, {characters:,} characters"
    )


def _registering_for(client: Any, handler: Handler, seconds: float) -> None:
    before, _ = _stored(client)
    requests = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = [_registration(f"query R{requests}x{n} {{ __typename }}") for n in range(4)]
        _post(handler, batch)
        requests += 1
    count, _ = _stored(client)
    print(
        f"batches of 4 registrations for {seconds:g} s: {requests} requests stored "
        f"{count - before} documents ({(count - before) / max(requests, 1):.2f} a request)"
    )


def _over_get(client: Any, handler: Handler) -> None:
    before, _ = _stored(client)
    for n in range(10):
        registration = _registration(f"query Img{n} {{ __typename }}")
        query = {
            "query": registration["query"],
            "extensions": json.dumps(registration["extensions"]),
        }
        handler(event("http_api_v2", "GET", "/graphql", query=query), LambdaContext())
    count, _ = _stored(client)
    print(f"10 GETs with a query and its hash: stored {count - before} documents")


if __name__ == "__main__":
    main()
