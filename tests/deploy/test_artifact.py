"""The unpacked artifact, run as Lambda runs it: the runtime's Python version, only the artifact
on the path, every module from the bytecode it ships, real API Gateway events against DynamoDB
(moto, served from the test environment)."""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import REGION
from tests.deploy.conftest import HOST_PLATFORM, package
from tests.e2e.lambda_events import event, graphql_post
from todo_tools.tables import create_table

PROBE = Path(__file__).with_name("artifact_probe.py")
PYTHON_FILES = (".py", ".pyc")  # a module's source, or its sourceless bytecode
CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) { ... on Todo { id content version } }
}"""
# Packages that ship though the run below imports none of them, and when they are imported.
IMPORTED_ON_DEMAND = {
    "jwt": "verifying tokens in the function (TODO_JWT_SECRET, TODO_JWT_ISSUER)",
    "idna": "anyio, for a connection to a non-ASCII host name",
}
# Our modules that ship though the run below imports none of them, and when they are imported.
OURS_IMPORTED_ON_DEMAND = {
    "graphql_api.tokens": "verifying tokens in the function (TODO_JWT_SECRET, TODO_JWT_ISSUER)",
}
JWKS_SETTINGS = {
    "TODO_AUTH": "jwt",
    "TODO_JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
    "TODO_JWT_AUDIENCE": "example-app-client-id",
}
# botocore data that ships though the run below reads none of it: what a client reads when
# asked for a paginator or a waiter.
UNREAD_BOTOCORE_DATA = {
    "botocore/data/dynamodb/2012-08-10/paginators-1.json",
    "botocore/data/dynamodb/2012-08-10/waiters-2.json",
}


def run_probe(
    python: str, artifact: Path, events: list[dict[str, Any]], env: dict[str, str]
) -> dict[str, Any]:
    result = probe(python, artifact, events, env)
    assert result.returncode == 0, result.stderr
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def probe(
    python: str, artifact: Path, events: list[dict[str, Any]], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """-I: no environment variables, user site or script folder on the path; -S: not even the
    interpreter's own site-packages; -B: nothing written, so bytecode can only be read."""
    return subprocess.run(
        [python, "-I", "-S", "-B", str(PROBE), str(artifact)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def lambda_env(moto_endpoint: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """What Lambda's environment would hold, pointed at moto; no shared AWS config is read."""
    table = f"todos-{uuid.uuid4().hex[:8]}"
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    create_table(client, table)
    return {
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "TODO_TABLE_NAME": table,
        "DYNAMODB_ENDPOINT_URL": moto_endpoint,
        **extra,
    }


def snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


@dataclass(frozen=True)
class Run:
    """One cold start of the artifact serving a GraphQL and a REST event."""

    outcome: dict[str, Any]
    artifact_changed: bool


@pytest.fixture(scope="module")
def run(
    runtime_python: str,
    artifact: Path,
    moto_endpoint: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Run:
    events = [
        graphql_post("http_api_v2", CREATE, input={"userId": "ann", "content": "milk"}),
        event("rest_api_v1", "GET", "/todo", query={"userId": "ann"}),
    ]
    env = lambda_env(moto_endpoint, tmp_path_factory.mktemp("aws"))
    before = snapshot(artifact)
    outcome = run_probe(runtime_python, artifact, events, env)
    return Run(outcome, artifact_changed=snapshot(artifact) != before)


def test_handler_serves_a_graphql_and_a_rest_event(run: Run) -> None:
    created, listed = run.outcome["responses"]
    assert created["statusCode"] == 200, created
    todo = json.loads(created["body"])["data"]["createTodo"]
    assert (todo["content"], todo["version"]) == ("milk", 1)
    assert listed["statusCode"] == 200, listed
    assert [item["id"] for item in json.loads(listed["body"])["data"]] == [todo["id"]]


def test_every_module_comes_from_the_bytecode_that_ships(run: Run) -> None:
    assert run.outcome["compiled"] == []
    modules: dict[str, str] = run.outcome["modules"]
    assert {"graphql_api.handler", "botocore.client", "strawberry", "mangum"} <= set(modules)
    assert all(Path(pyc).is_file() for pyc in modules.values())
    assert modules["botocore.client"].endswith("/botocore/client.pyc")  # sourceless
    assert not {name.split(".")[0] for name in modules} & {"moto", "pytest", "tests"}
    assert not run.artifact_changed


def test_artifact_keeps_only_the_botocore_data_the_handler_reads(run: Run, artifact: Path) -> None:
    read = {path for path in run.outcome["opened"] if path.startswith("botocore/data/")}
    shipped = {
        path.relative_to(artifact).as_posix()
        for path in (artifact / "botocore" / "data").rglob("*")
        if path.is_file()
    }
    assert shipped == read | UNREAD_BOTOCORE_DATA
    assert not read & UNREAD_BOTOCORE_DATA


def test_every_package_that_ships_is_imported_or_known_to_be_imported_on_demand(
    run: Run, artifact: Path
) -> None:
    """A dependency that the handler stops importing (boto3, say, for a plain botocore client)
    fails this test until todo_tools/packaging.py leaves it out or it is listed above."""
    imported = {name.split(".")[0] for name in run.outcome["modules"]}
    shipped = {
        path.stem if path.suffix in PYTHON_FILES else path.name
        for path in artifact.iterdir()
        if path.suffix in PYTHON_FILES
        or any((path / f"__init__{s}").is_file() for s in PYTHON_FILES)
    }
    assert shipped - imported == set(IMPORTED_ON_DEMAND)


def test_every_module_of_ours_that_ships_is_imported_or_known_to_be_imported_on_demand(
    run: Run, artifact: Path
) -> None:
    """The runtime package is exactly what Lambda imports: a module that no request reaches
    fails this test until it moves to the workshop (todo_tools) or is listed above."""
    package = artifact / "graphql_api"
    shipped = {
        ".".join(("graphql_api", *path.relative_to(package).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in package.rglob("*.py")
    }
    imported = {name for name in run.outcome["modules"] if name.split(".")[0] == "graphql_api"}
    assert shipped - imported == set(OURS_IMPORTED_ON_DEMAND)


def test_the_workshop_does_not_ship(artifact: Path) -> None:
    assert not (artifact / "todo_tools").exists()
    assert not (artifact / "bin").exists()
    records = "".join(p.read_text() for p in artifact.glob("*.dist-info/RECORD"))
    assert "todo_tools/" not in records
    assert "graphql_api/" in records


def test_without_jwks_a_function_set_to_verify_an_issuers_tokens_refuses_to_start(
    runtime_python: str, artifact: Path, moto_endpoint: str, tmp_path: Path
) -> None:
    env = lambda_env(moto_endpoint, tmp_path, **JWKS_SETTINGS)
    result = probe(runtime_python, artifact, [], env)
    assert result.returncode != 0
    assert "ConfigError: TODO_JWT_ISSUER: verifying an issuer's tokens needs the cryptography " in (
        result.stderr
    )
    assert "todo-api package --jwks" in result.stderr


def test_with_jwks_the_cryptography_library_ships_and_loads_from_bytecode(
    runtime_python: str, moto_endpoint: str, tmp_path: Path
) -> None:
    output = tmp_path / "lambda"
    package(output, "--jwks", "--platform", HOST_PLATFORM)
    env = lambda_env(moto_endpoint, tmp_path, **JWKS_SETTINGS)
    outcome = run_probe(runtime_python, output, [event("http_api_v2", "GET", "/todo")], env)
    (response,) = outcome["responses"]
    assert response["statusCode"] == 401
    assert "cryptography.hazmat.primitives.asymmetric.rsa" in outcome["modules"]
    assert outcome["compiled"] == []
