"""`todo-api` as a user runs it: a real process, real ports, Ctrl-C to stop."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import boto3
import httpx
import pytest

from graphql_api.gql.schema import schema
from tests.conftest import RECORDS, TABLE, create_legacy_table
from tests.e2e.conftest import free_port
from tests.fault_server import Fault, faulty_dynamodb
from todo_tools import graphiql_fetch

TODO_API = str(Path(sys.executable).parent / "todo-api")
CREATE = 'mutation { createTodo(input: {userId: "ann", content: "milk"}) { ... on Todo { id } } }'


@contextmanager
def running(*args: str, env: Mapping[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start `todo-api serve …` (in `env`, else ours); yield the GraphiQL URL it announces
    on stdout and its output so far, stdout's lines and the log lines on stderr."""
    lines: list[str] = []
    announced = threading.Event()
    with subprocess.Popen(
        [TODO_API, "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ if env is None else env,
    ) as process:

        def read(stream: IO[str] | None) -> None:
            assert stream is not None
            for line in stream:
                lines.append(line)
                if line.startswith("GraphiQL: "):
                    announced.set()

        readers = [
            threading.Thread(target=read, args=(stream,), daemon=True)
            for stream in (process.stdout, process.stderr)
        ]
        for reader in readers:
            reader.start()
        try:
            assert announced.wait(30), "".join(lines)
            url = next(
                f"{m.group(1)}/graphql"
                for line in lines
                if (m := re.match(r"GraphiQL: (http://\S+)/graphiql$", line))
            )
            yield url, lines
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 0, "".join(lines)
            for reader in readers:
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
    env = {**os.environ, "TODO_TABLE_NAME": table, "TODO_RECORDS_TABLE": records}
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
        client.put_item(TableName=legacy, Item=_legacy_row(n, f"id-{n}"))
    env = _fresh_tables()
    endpoint = ["--dynamodb-endpoint", moto_endpoint]
    subprocess.run([TODO_API, "create-table", *endpoint], env=env, check=True)
    dry = _copy(legacy, env, "--dry-run", *endpoint)
    assert dry.returncode == 0
    assert "Dry run, nothing written: 12 copied, 0 already there, 0 collisions" in dry.stdout
    runs = [_copy(legacy, env, *endpoint) for _ in range(2)]
    assert [run.returncode for run in runs] == [0, 0]
    assert "Done: 12 copied, 0 already there, 0 collisions, 0 not copyable" in runs[0].stdout
    assert "Done: 0 copied, 12 already there, 0 collisions, 0 not copyable" in runs[1].stdout


def test_copy_legacy_table_names_each_row_it_cannot_copy_and_exits_1(moto_endpoint: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="eu-west-1")
    legacy = f"legacy-{uuid.uuid4().hex[:8]}"
    create_legacy_table(client, legacy)
    for n, todo_id in enumerate(["ok", "", "x" * 3000, "ok"]):
        client.put_item(TableName=legacy, Item=_legacy_row(n, todo_id))
    env = _fresh_tables()
    endpoint = ["--dynamodb-endpoint", moto_endpoint]
    subprocess.run([TODO_API, "create-table", *endpoint], env=env, check=True)
    run = _copy(legacy, env, *endpoint)
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert "Not copied: row userId='pub0001' dateCreated=1 id '': its id is empty" in lines
    assert (
        f"Not copied: row userId='pub0001' dateCreated=2 id '{'x' * 80}… (3,000 bytes)': "
        "its id is 3,000 bytes long; a DynamoDB key holds at most 2,048"
    ) in lines
    assert (
        "Not copied: row userId='pub0001' dateCreated=3 id 'ok': "
        "our table holds this id for userId='pub0001' dateCreated=0"
    ) in lines
    assert "Done: 1 copied, 0 already there, 1 collisions, 2 not copyable" in run.stdout
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("missing", ["legacy", "ours"])
def test_copy_legacy_table_names_a_missing_table_and_what_to_do(
    moto_endpoint: str, missing: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="eu-west-1")
    legacy = f"legacy-{uuid.uuid4().hex[:8]}"
    env = _fresh_tables()
    endpoint = ["--dynamodb-endpoint", moto_endpoint]
    if missing == "ours":
        create_legacy_table(client, legacy)
    else:
        subprocess.run([TODO_API, "create-table", *endpoint], env=env, check=True)
    refusal = _one_line_refusal(_copy(legacy, env, *endpoint))
    absent = legacy if missing == "legacy" else env["TODO_TABLE_NAME"]
    assert refusal.startswith(f"todo-api: no table {absent!r} at {moto_endpoint}: ")
    assert ("todo-api create-table" in refusal) is (missing == "ours")
    assert ("--dynamodb-endpoint and AWS_REGION" in refusal) is (missing == "legacy")


def test_create_table_on_an_engine_without_ttl_warns_and_goes_on(moto_endpoint: str) -> None:
    env = _fresh_tables()
    with faulty_dynamodb(moto_endpoint) as faulty:
        for operation in ("DescribeTimeToLive", "UpdateTimeToLive"):
            faulty.fail_operation(operation, Fault.UNKNOWN_OPERATION)
        run = subprocess.run(
            [TODO_API, "create-table", "--dynamodb-endpoint", faulty.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr
    assert "DescribeTimeToLive" in faulty.operations
    records = env["TODO_RECORDS_TABLE"]
    assert f"Table {records!r} created" in run.stdout
    assert run.stderr == (
        f"This DynamoDB has no TTL (UpdateTimeToLive): records in {records!r} will not expire "
        "here, though the service ignores them once they would have\n"
    )


def test_copy_legacy_table_stopped_by_dynamodb_says_how_to_carry_on(moto_endpoint: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="eu-west-1")
    legacy = f"legacy-{uuid.uuid4().hex[:8]}"
    create_legacy_table(client, legacy)
    env = _fresh_tables()
    subprocess.run(
        [TODO_API, "create-table", "--dynamodb-endpoint", moto_endpoint], env=env, check=True
    )
    with faulty_dynamodb(moto_endpoint) as faulty:
        # Both tables are found; then every attempt at the first page fails.
        faulty.fail(Fault.ERROR_500)
        faulty.fail_next(None, None)
        run = _copy(legacy, env, "--dynamodb-endpoint", faulty.url)
    assert run.returncode == 3
    assert faulty.operations[:3] == ["DescribeTable", "DescribeTable", "Scan"]
    assert "todo-api: the copy stopped: " in run.stderr
    assert "InternalServerError" in run.stderr
    assert (
        "To carry on: run it again from the start; what it copied stays, and is not copied twice"
    ) in run.stderr
    assert "Traceback" not in run.stderr


def _fresh_tables() -> dict[str, str]:
    return {
        **os.environ,
        "TODO_TABLE_NAME": f"todos-{uuid.uuid4().hex[:8]}",
        "TODO_RECORDS_TABLE": f"todo-records-{uuid.uuid4().hex[:8]}",
    }


def _legacy_row(n: int, todo_id: str) -> dict[str, Any]:
    return {
        "id": {"S": todo_id},
        "userId": {"S": "pub0001"},
        "dateCreated": {"N": str(n)},
        "dateUpdated": {"N": str(n)},
        "content": {"S": "x"},
        "status": {"S": "pending"},
    }


def _copy(legacy: str, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TODO_API, "copy-legacy-table", legacy, *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _no_aws_credentials(tmp_path: Path) -> dict[str, str]:
    """A newcomer's environment: no AWS keys, profile or config files, no instance role."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # GraphiQL's files stay where the other tests fetched them.
    cache = str(graphiql_fetch.cache_dir(os.environ).parents[1])
    return {
        **env,
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_CACHE_HOME": cache,
    }


def _one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert result.stdout == ""  # nothing announced before the refusal
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("todo-api: ")
    return result.stderr


def test_a_port_in_use_is_one_line_before_anything_is_announced() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [TODO_API, "serve", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
    refusal = _one_line_refusal(result)
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in refusal
    assert "Choose another with --port" in refusal


def test_a_local_endpoint_without_credentials_is_signed_with_placeholders(
    moto_endpoint: str, tmp_path: Path
) -> None:
    env = {**_no_aws_credentials(tmp_path), "TODO_TABLE_NAME": f"cli-{uuid.uuid4().hex[:8]}"}
    args = ("--port", str(free_port()), "--dynamodb-endpoint", moto_endpoint, "--create-table")
    with running(*args, env=env) as (url, lines):
        assert httpx.post(url, json={"query": CREATE}).json()["data"]["createTodo"]["id"]
    assert "No AWS credentials configured: signing with placeholder keys\n" in lines


def test_a_remote_endpoint_without_credentials_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            TODO_API,
            "serve",
            "--port",
            str(free_port()),
            "--dynamodb-endpoint",
            "https://dynamodb.eu-west-1.amazonaws.com",
            "--create-table",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=_no_aws_credentials(tmp_path),
    )
    refusal = _one_line_refusal(result)
    assert "no AWS credentials to call https://dynamodb.eu-west-1.amazonaws.com" in refusal
    assert "aws configure" in refusal


@pytest.mark.parametrize(
    "command", [["create-table"], ["copy-legacy-table", "legacy"], ["register-operations", "m"]]
)
def test_every_dynamodb_command_without_credentials_says_how_to_give_them(
    tmp_path: Path, command: list[str]
) -> None:
    manifest = tmp_path / "m"
    manifest.write_text("{}")
    env = {**_no_aws_credentials(tmp_path), "AWS_REGION": "eu-west-1"}
    result = subprocess.run(
        [TODO_API, *command], capture_output=True, text=True, timeout=30, env=env, cwd=tmp_path
    )
    refusal = _one_line_refusal(result)
    assert "no AWS credentials to call DynamoDB in eu-west-1 with: run `aws configure`" in refusal


def test_an_unreachable_endpoint_is_one_line() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [TODO_API, "create-table", "--dynamodb-endpoint", endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DYNAMODB_MAX_ATTEMPTS": "1"},
    )
    assert "Traceback" not in result.stderr
    refusal = _one_line_refusal(result)
    assert f"DynamoDB at {endpoint}: Could not connect to the endpoint URL" in refusal


def test_serving_a_missing_table_is_one_line_that_names_create_table(
    moto_endpoint: str,
) -> None:
    result = subprocess.run(
        [TODO_API, "serve", "--port", str(free_port()), "--dynamodb-endpoint", moto_endpoint],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TODO_TABLE_NAME": "no-such-table"},
    )
    refusal = _one_line_refusal(result)
    assert f"no table 'no-such-table' at {moto_endpoint}: add --create-table" in refusal


def test_logs_are_json_without_terminal_colours_when_read_by_a_machine() -> None:
    with running("--port", str(free_port())) as (url, lines):
        httpx.post(url, json={"query": CREATE})
    logs = [line for line in lines if line.startswith("{")]
    assert len(logs) >= 2
    records = [json.loads(line) for line in logs]
    assert all("color_message" not in record for record in records)
    assert not any("\x1b" in line or "\\u001b" in line for line in lines)
    assert any(r.get("operationType") == "mutation" for r in records)


def test_logs_are_lines_for_a_person_with_log_format_text() -> None:
    with running("--port", str(free_port()), env={**os.environ, "LOG_FORMAT": "text"}) as (
        url,
        lines,
    ):
        httpx.post(url, json={"query": CREATE})
        httpx.get(f"{url}?query=%7B", headers={"accept": "application/json"})
    output = "".join(lines)
    assert not any(line.startswith("{") for line in lines), output
    assert re.search(
        r"^\d\d:\d\d:\d\d INFO  POST /graphql 200 [\d.]+ ms mutation dynamodb=1$", output, re.M
    ), output
    assert re.search(
        r"^\d\d:\d\d:\d\d INFO  GET /graphql 200 [\d.]+ ms GRAPHQL_PARSE_FAILED$", output, re.M
    ), output


def test_what_a_command_made_is_its_output_on_stdout(moto_endpoint: str) -> None:
    table, records = f"cli-{uuid.uuid4().hex[:8]}", f"cli-records-{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        [TODO_API, "create-table", "--dynamodb-endpoint", moto_endpoint],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TODO_TABLE_NAME": table, "TODO_RECORDS_TABLE": records},
    )
    assert result.stdout == f"Table {table!r} created\nTable {records!r} created\n"
    assert result.stderr == ""


def test_help_names_the_defaults_and_version_prints_the_version() -> None:
    def run(*args: str) -> str:
        return subprocess.run([TODO_API, *args], capture_output=True, text=True, check=True).stdout

    serve = run("serve", "--help")
    assert "the port to listen on (default: 8000)" in serve
    assert "the address to listen on (default: 127.0.0.1)" in serve
    assert "(default: None)" not in serve
    assert "its lifetime (default: 3600)" in run("token", "--help")
    assert "(default: build/lambda)" in run("package", "--help")
    assert run("--version") == f"todo-api {version('graphql-api')}\n"


def test_logs_are_lines_for_a_person_in_a_terminal() -> None:
    leader, follower = pty.openpty()  # stderr is a terminal, as in a newcomer's shell
    with subprocess.Popen(
        [TODO_API, "serve", "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    ) as process:
        os.close(follower)
        try:
            assert process.stdout is not None
            banner = next(line for line in process.stdout if line.startswith("GraphiQL: "))
            httpx.post(banner.split()[1].replace("graphiql", "graphql"), json={"query": CREATE})
            terminal = b""
            while b"POST /graphql 200" not in terminal:
                assert select.select([leader], [], [], 15)[0], terminal
                terminal += os.read(leader, 4096)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 0
            os.close(leader)
    assert b'{"level"' not in terminal
    assert re.search(rb"\d\d:\d\d:\d\d INFO  uvicorn: Started server process", terminal)
    assert re.search(rb"\d\d:\d\d:\d\d INFO  POST /graphql 200 [\d.]+ ms mutation", terminal)


def test_an_unknown_log_format_is_one_line() -> None:
    result = subprocess.run(
        [TODO_API, "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "LOG_FORMAT": "pretty"},
    )
    assert "LOG_FORMAT must be text or json, not 'pretty'" in _one_line_refusal(result)


def test_a_port_out_of_range_is_refused_by_the_option() -> None:
    result = subprocess.run(
        [TODO_API, "serve", "--port", "99999"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "argument --port: must be a port number, 0 to 65535, not '99999'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (
            ["serve", "--dynamodb-endpoint", "localhost:8001"],
            {},
            "--dynamodb-endpoint must be an http(s) URL such as http://localhost:8001, "
            "not 'localhost:8001'",
        ),
        (
            ["create-table"],
            {"DYNAMODB_ENDPOINT_URL": "localhost:8001"},
            "DYNAMODB_ENDPOINT_URL must be an http(s) URL",
        ),
        (
            ["create-table"],
            {"AWS_REGION": "no region"},
            "Provided region_name 'no region' doesn't match a supported format.",
        ),
        (
            ["serve", "--port", "0"],
            {"AWS_PROFILE": "nobody"},
            "The config profile (nobody) could not be found",
        ),
    ],
)
def test_unusable_dynamodb_settings_are_one_line(
    moto_endpoint: str, args: list[str], env: dict[str, str], says: str
) -> None:
    if "--dynamodb-endpoint" not in args and "DYNAMODB_ENDPOINT_URL" not in env:
        args = [*args, "--dynamodb-endpoint", moto_endpoint]
    result = subprocess.run(
        [TODO_API, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )
    assert says in _one_line_refusal(result)


def test_serve_auth_hints_the_token_command_as_it_was_typed() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TODO_JWT_SECRET"}
    with running("--port", str(free_port()), "--auth", env=env) as (url, lines):
        assert httpx.get(url).status_code == 401  # serving, with authentication on
    assert f"  {TODO_API} token <user id> [--admin]\n" in lines
