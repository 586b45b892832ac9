"""Tokens the service verifies itself: times that are numbers, and lives no longer than
`TODO_JWT_MAX_LIFETIME`, on each door; otherwise 401 `UNAUTHENTICATED`, an invalid token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler

SECRET = "token-claims-tests-secret-of-32-bytes!"
TODO_API = str(Path(sys.executable).parent / "todo-api")
NOW = int(time.time())
TOKENS: dict[str, dict[str, Any]] = {
    "exp a numeric string": {"iat": NOW, "exp": str(NOW + 600)},
    "iat a numeric string": {"iat": str(NOW), "exp": NOW + 600},
    "two days": {"iat": NOW, "exp": NOW + 2 * 86_400},
    "two days, no iat": {"exp": NOW + 2 * 86_400},
}


def token(claims: dict[str, Any]) -> str:
    return jwt.encode({"sub": "ann", **claims}, SECRET, algorithm="HS256")


@pytest.fixture(params=["http", "rest_api_v1", "http_api_v2"])
def door(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, start_server: StartServer
) -> Iterator[RestClient]:
    if request.param == "http":
        with start_server(auth="jwt", jwt_secret=SECRET) as url:
            yield over_http(url)
        return
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.setenv("TODO_JWT_SECRET", SECRET)
    yield through_handler(request.getfixturevalue("handler"), request.param)


def _graphql(client: RestClient, bearer: str) -> Reply:
    body = json.dumps({"query": "{ todos { nodes { id } } }"})
    return client.request(
        "POST", "/graphql", body, content_type="application/json", authorization=bearer
    )


@pytest.mark.parametrize("case", TOKENS)
def test_a_token_with_a_string_time_or_too_long_a_life_is_401(door: RestClient, case: str) -> None:
    bearer = f"Bearer {token(TOKENS[case])}"

    graphql = _graphql(door, bearer)
    legacy = door.request("GET", "/todo", authorization=bearer)

    assert (graphql.status, graphql.headers["www-authenticate"]) == (
        401,
        'Bearer error="invalid_token"',
    )
    assert [e["extensions"]["code"] for e in graphql.json()["errors"]] == ["UNAUTHENTICATED"]
    assert (legacy.status, legacy.json()["message"]) == (401, "Could not list wall posts")


def test_a_day_long_token_is_accepted(door: RestClient) -> None:
    reply = _graphql(door, f"Bearer {token({'iat': NOW, 'exp': NOW + 86_400})}")
    assert (reply.status, reply.json()["data"]) == (200, {"todos": {"nodes": []}})


def test_the_lifetime_limit_is_a_setting(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.setenv("TODO_JWT_SECRET", SECRET)
    monkeypatch.setenv("TODO_JWT_MAX_LIFETIME", str(3 * 86_400))
    client = through_handler(request.getfixturevalue("handler"), "http_api_v2")
    assert _graphql(client, f"Bearer {token(TOKENS['two days'])}").status == 200


def test_the_token_command_refuses_a_life_the_server_would_refuse() -> None:
    env = {**os.environ, "TODO_JWT_SECRET": SECRET, "TODO_JWT_MAX_LIFETIME": "600"}
    result = subprocess.run(
        [TODO_API, "token", "ann", "--expires", "601"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "todo-api: --expires 601 is over TODO_JWT_MAX_LIFETIME (600 s): "
        "the server would refuse the token\n"
    )
