"""Identity and ownership end to end: ann, bob and an admin, through GraphQL and the legacy
REST routes, on the local server with HS256 tokens the service verifies itself, and through
the Lambda handler with the claims an API Gateway authorizer put in the event."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from graphql_api.tokens import hs256_verifier
from tests.e2e.conftest import StartServer, started
from tests.e2e.lambda_events import authorizer_claims
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler
from todo_tools import cli, console
from todo_tools.tokens import issue

SECRET = "ownership-tests-secret-of-at-least-32-bytes"
ADMIN_GROUP = "todo-admins"
SUBJECTS = {"ann": "ann", "bob": "bob", "admin": "root"}
GROUPS = {"ann": ["todo-users"], "bob": [], "admin": ["other", ADMIN_GROUP]}
LAMBDA_KINDS = ("http_api_v2", "rest_api_v1")
DOORS = ("local", *LAMBDA_KINDS)

SAVE_FAILED = "Could not save to dynamoDB"
FETCH_FAILED = "Could not fetch wall post"
LIST_FAILED = "Could not list wall posts"

CREATE = """mutation($input: CreateTodoInput!) {
  createTodo(input: $input) { __typename ... on Todo { id userId content version } }
}"""
GET = "query($id: ID!) { todo(id: $id) { id userId content status version } }"
LIST = "query($userId: String) { todos(userId: $userId, first: 100) { nodes { id userId } } }"
UPDATE = """mutation($input: UpdateTodoInput!) {
  updateTodo(input: $input) {
    __typename ... on Todo { id content version } ... on Error { code message }
  }
}"""
DELETE = """mutation($input: DeleteTodoInput!) {
  deleteTodo(input: $input) {
    __typename ... on Todo { id version } ... on Error { code message }
  }
}"""


@dataclass(frozen=True)
class Door:
    """One way in, with a client per identity (`ann`, `bob`, `admin`) and one with none."""

    users: dict[str, RestClient]
    anonymous: RestClient

    def __getitem__(self, name: str) -> RestClient:
        return self.users[name]


def token(name: str, *, secret: str = SECRET, expires_s: int = 600) -> str:
    extra = {"cognito:groups": GROUPS[name]}
    return issue(secret, SUBJECTS[name], expires_s=expires_s, extra=extra)


@pytest.fixture(params=DOORS)
def door(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, start_server: StartServer
) -> Iterator[Door]:
    if request.param == "local":
        with start_server(auth="jwt", jwt_secret=SECRET) as url:
            base = over_http(url)
            users = {
                name: base.with_headers(authorization=f"Bearer {token(name)}") for name in SUBJECTS
            }
            yield Door(users, base)
        return
    # Only the authorizer vouches for callers: no secret to verify tokens with.
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.delenv("TODO_JWT_SECRET", raising=False)
    handler = request.getfixturevalue("handler")
    kind = request.param
    users = {
        name: through_handler(handler, kind, authorizer_claims(kind, sub, GROUPS[name]))
        for name, sub in SUBJECTS.items()
    }
    yield Door(users, through_handler(handler, kind))


@pytest.fixture
def lambda_without_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.delenv("TODO_JWT_SECRET", raising=False)


def post_graphql(client: RestClient, query: str, **variables: Any) -> Reply:
    payload = json.dumps({"query": query, "variables": variables})
    return client.request("POST", "/graphql", payload, content_type="application/json")


def graphql(client: RestClient, query: str, **variables: Any) -> Any:
    reply = post_graphql(client, query, **variables)
    assert reply.status == 200, reply
    return reply.json()


def create(client: RestClient, content: str, user_id: str | None = None) -> dict[str, Any]:
    todo_input = (
        {"content": content} if user_id is None else {"content": content, "userId": user_id}
    )
    todo: dict[str, Any] = graphql(client, CREATE, input=todo_input)["data"]["createTodo"]
    assert todo["__typename"] == "Todo", todo
    return todo


def stored(door: Door, todo_id: str) -> Any:
    """The todo as the admin reads it."""
    return graphql(door["admin"], GET, id=todo_id)["data"]["todo"]


def listed(client: RestClient, user_id: str | None = None) -> list[str]:
    """The owners of what `todos` lists, sorted."""
    data = graphql(client, LIST, userId=user_id)["data"]["todos"]
    return sorted(node["userId"] for node in data["nodes"])


def rest_listed(client: RestClient, query: str = "") -> list[str]:
    reply = client.request("GET", f"/todo{query}")
    assert reply.status == 200, reply
    return sorted(item["userId"] for item in reply.json()["data"])


def envelope(reply: Reply) -> dict[str, Any]:
    body: dict[str, Any] = reply.json()
    assert list(body) == ["message", "description"], body
    return body


def unknown_id() -> str:
    return str(uuid.uuid4())


def as_unknown(body: bytes, todo_id: str, unknown: str) -> bytes:
    """A response about `todo_id`, as it would read about `unknown`."""
    return body.replace(todo_id.encode(), unknown.encode())


# Creating


@pytest.mark.parametrize("user", ["ann", "bob"])
def test_graphql_create_without_user_id_belongs_to_the_caller(door: Door, user: str) -> None:
    todo = create(door[user], "milk")
    assert (todo["userId"], todo["version"]) == (user, 1)
    assert create(door[user], "eggs", user_id=user)["userId"] == user


def test_graphql_create_for_another_user_is_forbidden_and_creates_nothing(door: Door) -> None:
    body = graphql(door["ann"], CREATE, input={"userId": "bob", "content": "spam"})
    assert body["data"] == {"createTodo": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == ["createTodo"]
    assert listed(door["admin"]) == []


def test_graphql_admin_creates_for_anyone(door: Door) -> None:
    todo = create(door["admin"], "for bob", user_id="bob")
    assert todo["userId"] == "bob"
    assert graphql(door["bob"], GET, id=todo["id"])["data"]["todo"]["userId"] == "bob"


@pytest.mark.parametrize("user", ["ann", "bob"])
def test_rest_create_without_user_id_belongs_to_the_caller(door: Door, user: str) -> None:
    reply = door[user].request("POST", "/todo", json.dumps({"content": "milk"}))
    assert reply.status == 200, reply
    item = reply.json()
    assert (item["userId"], item["content"], item["status"]) == (user, "milk", "pending")
    assert stored(door, item["id"])["userId"] == user


def test_rest_create_for_another_user_is_refused_with_403(door: Door) -> None:
    body = json.dumps({"userId": "bob", "content": "spam"})
    reply = door["ann"].request("POST", "/todo", body)
    assert reply.status == 403
    assert envelope(reply)["message"] == SAVE_FAILED
    assert listed(door["admin"]) == []


def test_rest_admin_creates_for_anyone(door: Door) -> None:
    reply = door["admin"].request("POST", "/todo", json.dumps({"userId": "bob", "content": "x"}))
    assert reply.status == 200, reply
    assert reply.json()["userId"] == "bob"
    assert rest_listed(door["bob"]) == ["bob"]


# Another user's todo does not exist for the caller


def test_graphql_another_users_todo_reads_as_null(door: Door) -> None:
    anns = create(door["ann"], "ann's")
    theirs = graphql(door["bob"], GET, id=anns["id"])
    assert theirs["data"] == {"todo": None}
    assert "errors" not in theirs
    assert theirs == graphql(door["bob"], GET, id=unknown_id())
    assert graphql(door["ann"], GET, id=anns["id"])["data"]["todo"]["id"] == anns["id"]


GRAPHQL_WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "update": (UPDATE, {"content": "hijacked", "status": "done"}),
    "update at version 1": (UPDATE, {"content": "hijacked", "expectedVersion": 1}),
    "update at a stale version": (UPDATE, {"content": "hijacked", "expectedVersion": 7}),
    "delete": (DELETE, {}),
    "delete at version 1": (DELETE, {"expectedVersion": 1}),
    "delete at a stale version": (DELETE, {"expectedVersion": 7}),
}


def test_graphql_writes_to_another_users_todo_answer_not_found_and_change_nothing(
    door: Door, subtests: pytest.Subtests
) -> None:
    anns = create(door["ann"], "ann's")
    before = stored(door, anns["id"])
    for write, (mutation, fields) in GRAPHQL_WRITES.items():
        with subtests.test(write):
            theirs = post_graphql(door["bob"], mutation, input={"id": anns["id"], **fields})
            unknown = unknown_id()
            missing = post_graphql(door["bob"], mutation, input={"id": unknown, **fields})
            [result] = theirs.json()["data"].values()
            assert (result["__typename"], result["code"]) == ("TodoNotFound", "NOT_FOUND")
            assert theirs.status == missing.status
            assert as_unknown(theirs.body, anns["id"], unknown) == missing.body
            assert stored(door, anns["id"]) == before


def test_graphql_admin_updates_and_deletes_any_todo(door: Door) -> None:
    anns = create(door["ann"], "ann's")
    updated = graphql(door["admin"], UPDATE, input={"id": anns["id"], "content": "edited"})
    assert updated["data"]["updateTodo"] == {
        "__typename": "Todo",
        "id": anns["id"],
        "content": "edited",
        "version": 2,
    }
    deleted = graphql(door["admin"], DELETE, input={"id": anns["id"], "expectedVersion": 2})
    assert deleted["data"]["deleteTodo"]["__typename"] == "Todo"
    assert stored(door, anns["id"]) is None


REST_WRITES_AND_READS: dict[str, tuple[str, dict[str, str], int]] = {
    "GET": ("GET", {}, 200),
    "PUT": ("PUT", {}, 404),
    'PUT with If-Match "1"': ("PUT", {"if_match": '"1"'}, 412),
    "DELETE": ("DELETE", {}, 200),
    'DELETE with If-Match "1"': ("DELETE", {"if_match": '"1"'}, 412),
}


def test_rest_another_users_todo_answers_as_an_unknown_id_and_changes_nothing(
    door: Door, subtests: pytest.Subtests
) -> None:
    anns = create(door["ann"], "ann's")
    before = stored(door, anns["id"])
    for name, (method, headers, status) in REST_WRITES_AND_READS.items():
        with subtests.test(name):
            body = json.dumps({"content": "hijacked"}) if method == "PUT" else None
            theirs = door["bob"].request(method, f"/todo/{anns['id']}", body, **headers)
            unknown = unknown_id()
            missing = door["bob"].request(method, f"/todo/{unknown}", body, **headers)
            assert (theirs.status, missing.status) == (status, status)
            assert as_unknown(theirs.body, anns["id"], unknown) == missing.body
            if method == "GET":
                assert theirs.json() == []
            elif status == 200:
                assert theirs.json() == {}
            else:
                assert envelope(theirs)["message"] == SAVE_FAILED
            assert "etag" not in theirs.headers
            assert stored(door, anns["id"]) == before


def test_rest_admin_updates_and_deletes_any_todo(door: Door) -> None:
    anns = create(door["ann"], "ann's")
    path = f"/todo/{anns['id']}"
    updated = door["admin"].request("PUT", path, json.dumps({"status": "done"}), if_match='"1"')
    assert updated.status == 200, updated
    assert updated.json()["Attributes"]["status"] == "done"
    assert updated.headers["etag"] == '"2"'
    assert door["admin"].request("DELETE", path, if_match='"2"').json() == {}
    assert stored(door, anns["id"]) is None


# Listing


def test_graphql_todos_without_user_id_lists_only_the_callers_own(door: Door) -> None:
    for user in ("ann", "ann", "bob"):
        create(door[user], f"{user}'s")
    assert listed(door["ann"]) == ["ann", "ann"]
    assert listed(door["bob"]) == ["bob"]
    assert listed(door["ann"], "ann") == ["ann", "ann"]


def test_graphql_todos_of_another_user_is_forbidden(door: Door) -> None:
    create(door["bob"], "bob's")
    body = graphql(door["ann"], LIST, userId="bob")
    assert body["data"] == {"todos": None}
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["path"]) == ("FORBIDDEN", ["todos"])


def test_graphql_admin_lists_everything_or_any_users(door: Door) -> None:
    for user in ("ann", "bob", "bob"):
        create(door[user], f"{user}'s")
    assert listed(door["admin"]) == ["ann", "bob", "bob"]
    assert listed(door["admin"], "bob") == ["bob", "bob"]
    assert listed(door["admin"], "carol") == []


def test_rest_list_without_user_id_lists_only_the_callers_own(door: Door) -> None:
    for user in ("ann", "ann", "bob"):
        create(door[user], f"{user}'s")
    assert rest_listed(door["ann"]) == ["ann", "ann"]
    assert rest_listed(door["bob"]) == ["bob"]
    assert rest_listed(door["bob"], "?userId=bob") == ["bob"]


def test_rest_list_of_another_user_is_refused_with_403(door: Door) -> None:
    create(door["bob"], "bob's")
    reply = door["ann"].request("GET", "/todo?userId=bob")
    assert reply.status == 403
    assert envelope(reply)["message"] == LIST_FAILED


def test_rest_admin_lists_everything_or_any_users(door: Door) -> None:
    for user in ("ann", "bob", "bob"):
        create(door[user], f"{user}'s")
    assert rest_listed(door["admin"]) == ["ann", "bob", "bob"]
    assert rest_listed(door["admin"], "?userId=ann") == ["ann"]


# No identity


ROUTES: dict[str, tuple[str, str, str | None, str | None]] = {
    "POST /graphql": (
        "POST",
        "/graphql",
        json.dumps({"query": "{ todos { nodes { id } } }"}),
        None,
    ),
    "POST /todo": ("POST", "/todo", json.dumps({"content": "x"}), SAVE_FAILED),
    "GET /todo": ("GET", "/todo", None, LIST_FAILED),
    "GET /todo/{id}": ("GET", f"/todo/{uuid.UUID(int=1)}", None, FETCH_FAILED),
    "PUT /todo/{id}": (
        "PUT",
        f"/todo/{uuid.UUID(int=1)}",
        json.dumps({"status": "x"}),
        SAVE_FAILED,
    ),
    "DELETE /todo/{id}": ("DELETE", f"/todo/{uuid.UUID(int=1)}", None, SAVE_FAILED),
}


def assert_unauthenticated(reply: Reply, route: str, challenge: str) -> None:
    """401 with the challenge, in the GraphQL error shape or the route's legacy envelope."""
    assert reply.status == 401, reply
    assert reply.headers["www-authenticate"] == challenge
    body = reply.json()
    message = ROUTES[route][3]
    if message is None:
        [error] = body["errors"]
        assert list(body) == ["errors"]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}
        assert error["message"]
    else:
        assert envelope(reply)["message"] == message


def send(client: RestClient, route: str, **headers: str) -> Reply:
    method, path, body, _ = ROUTES[route]
    return client.request(method, path, body, content_type="application/json", **headers)


def test_requests_without_identity_get_401(door: Door, subtests: pytest.Subtests) -> None:
    for route in ROUTES:
        with subtests.test(route):
            assert_unauthenticated(send(door.anonymous, route), route, "Bearer")


def _unsigned(sub: str) -> str:
    header = {"alg": "none", "typ": "JWT"}
    claims = {"sub": sub, "exp": 4_102_444_800, "cognito:groups": [ADMIN_GROUP]}
    parts = [jwt.utils.base64url_encode(json.dumps(p).encode()).decode() for p in (header, claims)]
    return ".".join(parts) + "."


BAD_CREDENTIALS: dict[str, tuple[str, str]] = {
    "garbage token": ("Bearer not-a-jwt", 'Bearer error="invalid_token"'),
    "expired token": (
        f"Bearer {issue(SECRET, 'ann', expires_s=-120)}",
        'Bearer error="invalid_token"',
    ),
    "token signed with another secret": (
        f"Bearer {issue('another-secret-also-32-bytes-long!', 'ann', expires_s=600)}",
        'Bearer error="invalid_token"',
    ),
    "unsigned token": (f"Bearer {_unsigned('ann')}", 'Bearer error="invalid_token"'),
    "empty sub": (f"Bearer {issue(SECRET, '', expires_s=600)}", 'Bearer error="invalid_token"'),
    "sub over 128 characters": (
        f"Bearer {issue(SECRET, 'a' * 129, expires_s=600)}",
        'Bearer error="invalid_token"',
    ),
    # RFC 6750 section 3.1: no error code where the client used another scheme.
    "Basic scheme": ("Basic YW5uOnNlY3JldA==", "Bearer"),
}


@pytest.fixture(scope="module")
def jwt_server(moto_endpoint: str) -> Iterator[RestClient]:
    """One server for requests refused before they reach storage."""
    with started(moto_endpoint, auth="jwt", jwt_secret=SECRET) as url:
        yield over_http(url)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("credential", BAD_CREDENTIALS)
def test_bad_credentials_get_401_on_the_local_server(
    jwt_server: RestClient, credential: str, route: str
) -> None:
    authorization, challenge = BAD_CREDENTIALS[credential]
    reply = send(jwt_server, route, authorization=authorization)
    assert_unauthenticated(reply, route, challenge)


def test_a_sub_of_128_characters_is_accepted(jwt_server: RestClient) -> None:
    sub = "a" * 128
    client = jwt_server.with_headers(authorization=f"Bearer {issue(SECRET, sub, expires_s=600)}")
    assert create(client, "long name")["userId"] == sub


# Headers a client could forge. Without claims from an authorizer and with no secret to verify
# tokens with, none of them identifies anyone.
FORGED: dict[str, tuple[dict[str, str], str]] = {
    "no header": ({}, "Bearer"),
    "unsigned token": (
        {"authorization": f"Bearer {_unsigned('root')}"},
        'Bearer error="invalid_token"',
    ),
    "token signed with some secret": (
        {"authorization": f"Bearer {token('admin')}"},
        'Bearer error="invalid_token"',
    ),
    "forged request context header": (
        {
            "x-amzn-request-context": json.dumps(
                {
                    "authorizer": {
                        "jwt": {"claims": {"sub": "root", "cognito:groups": "[todo-admins]"}}
                    }
                }
            ),
            "x-amzn-oidc-identity": "root",
            "x-amzn-oidc-data": _unsigned("root"),
        },
        "Bearer",
    ),
}


@pytest.mark.usefixtures("lambda_without_secret")
@pytest.mark.parametrize("forged", FORGED)
@pytest.mark.parametrize("kind", [*LAMBDA_KINDS, "function_url"])
def test_lambda_without_authorizer_claims_trusts_no_header(
    request: pytest.FixtureRequest, subtests: pytest.Subtests, kind: str, forged: str
) -> None:
    headers, challenge = FORGED[forged]
    client = through_handler(request.getfixturevalue("handler"), kind)
    for route in ("POST /graphql", "POST /todo", "GET /todo"):
        with subtests.test(route):
            assert_unauthenticated(send(client, route, **headers), route, challenge)


@pytest.mark.usefixtures("lambda_without_secret")
@pytest.mark.parametrize("sub", ["", "a" * 129])
@pytest.mark.parametrize("kind", LAMBDA_KINDS)
def test_lambda_authorizer_claims_without_a_usable_sub_get_401(
    request: pytest.FixtureRequest, kind: str, sub: str
) -> None:
    client = through_handler(request.getfixturevalue("handler"), kind, authorizer_claims(kind, sub))
    assert_unauthenticated(
        send(client, "POST /graphql"), "POST /graphql", 'Bearer error="invalid_token"'
    )


# What needs no token


GRAPHIQL = {"/graphiql": {}, "/graphql": {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}}


@pytest.fixture
def shipped_graphiql(monkeypatch: pytest.MonkeyPatch, graphiql_files: Path) -> None:
    monkeypatch.setenv("TODO_GRAPHIQL_ASSETS_DIR", str(graphiql_files))


@pytest.mark.usefixtures("shipped_graphiql")
@pytest.mark.parametrize("path", GRAPHIQL)
def test_graphiql_loads_without_a_token_and_tells_how_to_send_one(door: Door, path: str) -> None:
    reply = door.anonymous.request("GET", path, **GRAPHIQL[path])
    assert reply.status == 200, reply
    assert reply.headers["content-type"].startswith("text/html")
    page = reply.body.decode()
    assert 'data-needs-token="true"' in page
    files = re.findall(r'src="(graphiql/assets/[^"]+)"', page)
    assert len(files) == 5  # GraphiQL's four scripts and ours, which starts it
    for file in files:
        assert door.anonymous.request("GET", f"/{file}").status == 200, file
    script = door.anonymous.request("GET", f"/{files[-1]}", accept_encoding="identity")
    assert "This API needs a bearer token" in script.body.decode()
    assert '{"Authorization": "Bearer <your token>"}' in script.body.decode()


PREFLIGHTS = {"/graphql": "POST", "/todo": "POST", f"/todo/{uuid.UUID(int=1)}": "PUT"}


@pytest.mark.parametrize("path", PREFLIGHTS)
def test_cors_preflights_are_answered_without_a_token(door: Door, path: str) -> None:
    reply = door.anonymous.request(
        "OPTIONS",
        path,
        origin="https://app.example.com",
        access_control_request_method=PREFLIGHTS[path],
        access_control_request_headers="authorization,content-type",
    )
    assert reply.status == 200, reply
    assert reply.headers["access-control-allow-origin"] in ("*", "https://app.example.com")
    assert PREFLIGHTS[path] in reply.headers["access-control-allow-methods"]
    assert "authorization" in reply.headers["access-control-allow-headers"].lower()


# todo-api token


@pytest.fixture
def token_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_JWT_SECRET", SECRET)
    # The command's console handler binds the stream it finds; keep it from outliving capsys.
    monkeypatch.setattr(console.logger, "handlers", [])


@pytest.mark.usefixtures("token_command")
@pytest.mark.parametrize(("flags", "admin"), [([], False), (["--admin"], True)])
def test_token_command_prints_a_token_the_server_honours(
    start_server: StartServer, capsys: pytest.CaptureFixture[str], flags: list[str], admin: bool
) -> None:
    assert cli.main(["token", "ann", *flags]) == 0
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    claims = hs256_verifier(SECRET)(printed.strip())
    assert claims["sub"] == "ann"
    assert (ADMIN_GROUP in claims.get("cognito:groups", [])) is admin
    with start_server(auth="jwt", jwt_secret=SECRET) as url:
        client = over_http(url).with_headers(authorization=f"Bearer {printed.strip()}")
        assert create(client, "mine")["userId"] == "ann"
        assert (graphql(client, LIST, userId="bob")["data"]["todos"] is not None) is admin


@pytest.mark.usefixtures("token_command")
def test_token_command_expires_after_the_seconds_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["token", "ann", "--expires", "90"]) == 0
    claims = hs256_verifier(SECRET)(capsys.readouterr().out.strip())
    assert claims["exp"] - claims["iat"] == 90


def test_token_command_without_a_secret_exits_2_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TODO_JWT_SECRET"}
    todo_api = str(Path(sys.executable).parent / "todo-api")
    done = subprocess.run(
        [todo_api, "token", "ann"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "TODO_JWT_SECRET" in done.stderr
