"""`todo-api` as a user runs it: a real process, real ports, Ctrl-C to stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import httpx

from graphql_api.gql.schema import schema
from tests.conftest import RECORDS, TABLE, create_legacy_table

TODO_API = str(Path(sys.executable).parent / "todo-api")
CREATE = 'mutation { createTodo(input: {userId: "ann", content: "milk"}) { ... on Todo { id } } }'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start `todo-api serve …`; yield the GraphiQL URL it announces and its output so far."""
    lines: list[str] = []
    announced = threading.Event()
    with subprocess.Popen(
        [TODO_API, "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    ) as process:

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                lines.append(line)
                if "Uvicorn running on" in line:
                    announced.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert announced.wait(30), "".join(lines)
            url = next(
                f"{m.group(1)}/graphql"
                for line in lines
                if (m := re.search(r"GraphiQL: (http://\S+)/graphiql", line))
            )
            yield url, lines
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 0, "".join(lines)
            reader.join(5)


def test_serve_starts_an_embedded_dynamodb_and_stops_on_ctrl_c() -> None:
    port = free_port()
    with running("--port", str(port)) as (url, lines):
        assert url == f"http://127.0.0.1:{port}/graphql"
        assert "graphiql" in httpx.get(f"{url[: -len('graphql')]}graphiql").text
        created = httpx.post(url, json={"query": CREATE}).json()
        todo_id = created["data"]["createTodo"]["id"]
        query = {
            "query": "query($id: ID!) { todo(id: $id) { content } }",
            "variables": {"id": todo_id},
        }
        assert httpx.post(url, json=query).json() == {
            "data": {"todo": {"content": "milk"}},
            "extensions": {"cost": {"requested": 2, "limit": 5_000}},
        }
    output = "".join(lines)
    assert "Embedded DynamoDB" in output
    assert f"Table {TABLE!r} created" in output
    assert f"Table {RECORDS!r} created" in output


def test_serve_uses_a_given_endpoint_and_creates_the_table_when_asked(moto_endpoint: str) -> None:
    table, records = f"cli-{uuid.uuid4().hex[:8]}", f"cli-records-{uuid.uuid4().hex[:8]}"
    env = {
        "TODO_TABLE_NAME": table,
        "TODO_RECORDS_TABLE": records,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
    }
    args = ("--port", str(free_port()), "--dynamodb-endpoint", moto_endpoint, "--create-table")
    with running(*args, env=env) as (url, lines):
        created = httpx.post(url, json={"query": CREATE}).json()
        assert created["data"]["createTodo"]["id"]
    output = "".join(lines)
    assert f"Table {table!r} created" in output
    assert f"Table {records!r} created" in output
    assert "Embedded" not in output


def test_export_schema_prints_the_sdl() -> None:
    result = subprocess.run([TODO_API, "export-schema"], capture_output=True, text=True, check=True)
    assert result.stdout == schema.as_str() + "\n"


def test_bad_configuration_is_reported_without_a_traceback() -> None:
    result = subprocess.run(
        [TODO_API, "serve"],
        capture_output=True,
        text=True,
        env={**os.environ, "TODO_PAGE_SIZE_MAX": "many"},
    )
    assert result.returncode == 2
    assert "TODO_PAGE_SIZE_MAX must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_copy_legacy_table_reports_what_it_copied_and_skipped(moto_endpoint: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="eu-west-1")
    legacy = f"legacy-{uuid.uuid4().hex[:8]}"
    create_legacy_table(client, legacy)
    for n in range(12):
        client.put_item(
            TableName=legacy,
            Item={
                "id": {"S": f"id-{n}"},
                "userId": {"S": "pub0001"},
                "dateCreated": {"N": str(n)},
                "dateUpdated": {"N": str(n)},
                "content": {"S": "x"},
                "status": {"S": "pending"},
            },
        )
    env = {**os.environ, "TODO_TABLE_NAME": f"todos-{uuid.uuid4().hex[:8]}"}
    endpoint = ["--dynamodb-endpoint", moto_endpoint]
    subprocess.run([TODO_API, "create-table", *endpoint], env=env, check=True)
    runs = [
        subprocess.run(
            [TODO_API, "copy-legacy-table", legacy, *endpoint],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        for _ in range(2)
    ]
    assert "Done: 12 copied, 0 already there (skipped), 0 without an id" in runs[0]
    assert "Done: 0 copied, 12 already there (skipped), 0 without an id" in runs[1]
