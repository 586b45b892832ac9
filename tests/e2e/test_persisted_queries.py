"""Automatic persisted queries and trusted documents over HTTP (uvicorn), through the Lambda
handler, and across two app processes sharing one records table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from graphql_api.gql.persisted import sha256_of
from graphql_api.repository.documents import TrustedDocument
from graphql_api.repository.dynamodb_documents import DynamoDBDocumentStore
from tests.conftest import RECORDS, REGION, TABLE, CallCounter
from tests.e2e.conftest import StartServer, free_port, fresh_handler, fresh_tables
from tests.e2e.lambda_events import Handler, LambdaContext, event
from todo_tools.tables import create_records_table, create_table
from todo_tools.tokens import issue

CREATE = (
    "mutation Create($content: String!) "
    '{ createTodo(input: {userId: "ann", content: $content}) { ... on Todo { id } } }'
)
READ = "query Read($id: ID!) { todo(id: $id) { id content } }"
LIST = 'query List { todos(userId: "ann") { nodes { content } } }'
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
REPO = Path(__file__).parents[2]


def extensions(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(query)}}


def post(url: str, payload: object, **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json=payload, headers=headers)


def get(url: str, query: str | None = None, **params: object) -> httpx.Response:
    encoded = {k: json.dumps(v) for k, v in params.items()}
    if query is not None:
        encoded["query"] = query
    return httpx.get(f"{url}/graphql", params=encoded)


def create(url: str, content: str = "milk") -> str:
    body = post(url, {"query": CREATE, "variables": {"content": content}}).json()
    todo_id: str = body["data"]["createTodo"]["id"]
    return todo_id


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", ())]


NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


def test_unknown_hash_answers_persisted_query_not_found(server: str) -> None:
    response = post(server, {"extensions": extensions(LIST)})
    assert response.status_code == 200
    assert response.json() == NOT_FOUND
    assert response.headers["cache-control"] == "private, no-cache, must-revalidate"


def test_hash_with_its_query_registers_it_for_the_hash_alone(server: str) -> None:
    create(server)
    first = post(server, {"query": LIST, "extensions": extensions(LIST)}).json()
    assert first["data"] == {"todos": {"nodes": [{"content": "milk"}]}}
    again = post(server, {"extensions": extensions(LIST)}).json()
    assert again["data"] == first["data"]


def test_hash_of_another_query_is_refused_and_nothing_is_stored(server: str) -> None:
    response = post(server, {"query": LIST, "extensions": extensions(READ)})
    assert response.status_code == 400
    assert codes(response.json()) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert post(server, {"extensions": extensions(READ)}).json() == NOT_FOUND
    assert post(server, {"extensions": extensions(LIST)}).json() == NOT_FOUND


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ todos { nodes { id } ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ a: todos(first: 100) { nodes { id content status } } "
            "b: todos(first: 100) { nodes { id content status } } }",
            "COST_LIMIT_EXCEEDED",
        ),
    ],
    ids=["unparsable", "invalid", "over the cost limit"],
)
def test_query_that_does_not_pass_is_never_stored(
    start_server: StartServer, query: str, code: str
) -> None:
    with start_server(max_cost=500) as url:
        assert codes(post(url, {"query": query, "extensions": extensions(query)}).json()) == [code]
        assert post(url, {"extensions": extensions(query)}).json() == NOT_FOUND


def test_persisted_query_is_delivered_over_get_with_its_variables(server: str) -> None:
    todo_id = create(server)
    registering = {"query": READ, "variables": {"id": todo_id}, "extensions": extensions(READ)}
    assert "data" in post(server, registering).json()
    response = get(server, variables={"id": todo_id}, extensions=extensions(READ))
    assert response.json() == {
        "data": {"todo": {"id": todo_id, "content": "milk"}},
        "extensions": response.json()["extensions"],
    }
    assert response.headers["cache-control"] == "no-store"
    assert {"Accept", "Authorization"} <= set(response.headers["vary"].split(", "))


def test_browser_get_of_a_persisted_query_answers_it_rather_than_graphiql(server: str) -> None:
    post(server, {"query": LIST, "extensions": extensions(LIST)})
    response = httpx.get(
        f"{server}/graphql",
        params={"extensions": json.dumps(extensions(LIST))},
        headers={"accept": "text/html,application/json;q=0.9"},
    )
    assert response.json()["data"] == {"todos": {"nodes": []}}


def test_anonymous_get_may_be_cached_publicly_when_configured(
    start_server: StartServer,
) -> None:
    with start_server(get_max_age=60) as url:
        post(url, {"query": LIST, "extensions": extensions(LIST)})
        ok = get(url, extensions=extensions(LIST))
        assert ok.headers["cache-control"] == "public, max-age=60"
        failed = get(url, "{ nope }")
        assert failed.headers["cache-control"] == "private, no-store"
        unknown = get(url, extensions=extensions(READ))
        assert unknown.json() == NOT_FOUND
        assert unknown.headers["cache-control"] == "private, no-cache, must-revalidate"


def test_authenticated_get_is_never_kept_by_a_shared_cache(start_server: StartServer) -> None:
    token = issue(SECRET, "ann", expires_s=600)
    with start_server(auth="jwt", jwt_secret=SECRET, get_max_age=60) as url:
        headers = {"authorization": f"Bearer {token}"}
        httpx.post(
            f"{url}/graphql",
            json={"query": LIST, "extensions": extensions(LIST)},
            headers=headers,
        )
        response = httpx.get(
            f"{url}/graphql",
            params={"extensions": json.dumps(extensions(LIST))},
            headers=headers,
        )
        assert response.json()["data"] == {"todos": {"nodes": []}}
        assert response.headers["cache-control"] == "private, no-store"
        assert "Authorization" in response.headers["vary"]


def test_persisted_mutation_is_not_run_over_get(server: str) -> None:
    post(server, {"query": CREATE, "variables": {"content": "x"}, "extensions": extensions(CREATE)})
    response = get(server, variables={"content": "y"}, extensions=extensions(CREATE))
    assert response.status_code == 405
    assert codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    assert response.headers["allow"] == "POST"


def test_document_id_names_a_persisted_document_as_graphql_over_http_says(server: str) -> None:
    post(server, {"query": LIST, "extensions": extensions(LIST)})
    for document_id in (f"sha256:{sha256_of(LIST)}", sha256_of(LIST)):
        assert post(server, {"documentId": document_id}).json()["data"] == {"todos": {"nodes": []}}
    response = httpx.get(f"{server}/graphql", params={"documentId": f"sha256:{sha256_of(LIST)}"})
    assert response.json()["data"] == {"todos": {"nodes": []}}
    for unusable in ("sha1:" + "0" * 40, 7, ""):
        refused = post(server, {"documentId": unusable})
        assert refused.status_code == 400
        assert codes(refused.json()) == ["BAD_REQUEST"]


def test_unusable_persisted_query_extension_is_a_bad_request(server: str) -> None:
    bad = {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}}
    response = post(server, {"extensions": bad})
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


def test_persisted_query_through_the_lambda_handler(handler: Handler) -> None:
    payload = json.dumps({"query": LIST, "extensions": extensions(LIST)})
    headers = {"content-type": "application/json"}
    registered = handler(
        event("http_api_v2", "POST", "/graphql", body=payload, headers=headers), LambdaContext()
    )
    assert json.loads(registered["body"])["data"] == {"todos": {"nodes": []}}
    query = {"extensions": json.dumps(extensions(LIST))}
    response = handler(event("rest_api_v1", "GET", "/graphql", query=query), LambdaContext())
    assert json.loads(response["body"])["data"] == {"todos": {"nodes": []}}
    assert response["headers"]["cache-control"] == "no-store"


def test_trusted_documents_through_the_lambda_handler(
    calls: CallCounter, close_mangums_loop: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TODO_TRUSTED_DOCUMENTS", "true")
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client, TABLE)
    create_records_table(client, RECORDS)
    trusted = TrustedDocument(sha256_of(LIST), LIST, "List", "query")
    DynamoDBDocumentStore(client, RECORDS).trust([trusted])
    handler = fresh_handler()
    query = {"documentId": f"sha256:{sha256_of(LIST)}"}
    ok = handler(event("http_api_v2", "GET", "/graphql", query=query), LambdaContext())
    assert json.loads(ok["body"])["data"] == {"todos": {"nodes": []}}
    refused = handler(
        event("http_api_v2", "GET", "/graphql", query={"query": "{ __typename }"}),
        LambdaContext(),
    )
    assert refused["statusCode"] == 400
    assert codes(json.loads(refused["body"])) == ["OPERATION_NOT_TRUSTED"]


@contextmanager
def app_process(env: dict[str, str]) -> Iterator[str]:
    """The app in a process of its own (as a second Lambda instance is); its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "tests.e2e.app_factory:app", "--factory",
        "--port", str(port), "--lifespan", "off", "--log-level", "warning",
    ]  # fmt: skip
    with subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}) as process:
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(url, process)
            yield url
        finally:
            process.terminate()
            process.wait(15)


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app process exited"
        try:
            httpx.get(f"{url}/graphql", params={"query": "{ __typename }"})
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}")


@pytest.fixture
def shared_tables(moto_endpoint: str) -> dict[str, str]:
    """Fresh tables on the moto server, and the environment that points an app at them."""
    settings, _ = fresh_tables(moto_endpoint, region=REGION)
    return {
        "TODO_TABLE_NAME": settings.table_name,
        "TODO_RECORDS_TABLE": settings.records_table,
        "DYNAMODB_ENDPOINT_URL": moto_endpoint,
    }


def test_second_instance_finds_what_the_first_registered(shared_tables: dict[str, str]) -> None:
    with app_process(shared_tables) as first, app_process(shared_tables) as second:
        create(first)
        assert post(second, {"extensions": extensions(LIST)}).json() == NOT_FOUND
        post(first, {"query": LIST, "extensions": extensions(LIST)})
        found = post(second, {"extensions": extensions(LIST)}).json()
        assert found["data"] == {"todos": {"nodes": [{"content": "milk"}]}}


def manifest(tmp_path: Path, *queries: str) -> Path:
    path = tmp_path / "persisted-query-manifest.json"
    operations = [
        {"id": sha256_of(q), "name": q.split()[1], "type": q.split()[0], "body": q} for q in queries
    ]
    path.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    return path


def register(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    todo_api = str(Path(sys.executable).parent / "todo-api")
    return subprocess.run(
        [todo_api, "register-operations", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_trusted_documents_mode_runs_only_registered_operations(
    shared_tables: dict[str, str], tmp_path: Path
) -> None:
    registered = register(manifest(tmp_path, CREATE, LIST), shared_tables)
    assert registered.returncode == 0, registered.stderr
    assert "Registered 2 operations" in registered.stdout
    env = {**shared_tables, "TODO_TRUSTED_DOCUMENTS": "true"}
    with app_process(env) as url:
        created = post(url, {"extensions": extensions(CREATE), "variables": {"content": "tea"}})
        assert "id" in created.json()["data"]["createTodo"]
        by_text = post(url, {"query": LIST}).json()
        assert by_text["data"] == {"todos": {"nodes": [{"content": "tea"}]}}
        for refused in (
            {"query": READ, "variables": {"id": "x"}},
            {"extensions": extensions(READ)},
            {"query": READ, "extensions": extensions(READ), "variables": {"id": "x"}},
            {"query": "{ __schema { types { name } } }"},
        ):
            response = post(url, refused)
            assert response.status_code == 400
            assert codes(response.json()) == ["OPERATION_NOT_TRUSTED"]
        assert post(url, {"extensions": extensions(READ)}).status_code == 400


def test_register_operations_counts_one_operation_in_the_singular(
    shared_tables: dict[str, str], tmp_path: Path
) -> None:
    registered = register(manifest(tmp_path, LIST), shared_tables)
    assert registered.returncode == 0, registered.stderr
    assert "Registered 1 operation in " in registered.stdout


def test_register_operations_refuses_a_manifest_with_a_wrong_hash(
    shared_tables: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "persisted-documents.json"
    sha1 = "3b2c4c5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
    path.write_text(json.dumps({sha1: LIST, sha256_of("{ nope }"): "{ nope }"}))
    result = register(path, shared_tables)
    assert result.returncode == 2
    assert f"{sha1}: not the SHA-256 of its body" in result.stderr
    assert "Cannot query field 'nope' on type 'Query'." in result.stderr
    with app_process({**shared_tables, "TODO_TRUSTED_DOCUMENTS": "true"}) as url:
        assert codes(post(url, {"query": LIST}).json()) == ["OPERATION_NOT_TRUSTED"]


def test_register_operations_says_why_it_could_not_write(
    shared_tables: dict[str, str], tmp_path: Path
) -> None:
    missing = {**shared_tables, "TODO_RECORDS_TABLE": "no-such-table"}
    result = register(manifest(tmp_path, LIST), missing)
    assert result.returncode == 1
    assert "could not register in table 'no-such-table'" in result.stderr
    assert "Traceback" not in result.stderr
