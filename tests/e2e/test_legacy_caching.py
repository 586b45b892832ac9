"""Under authentication every legacy answer is one caller's: `Cache-Control: private,
no-store` and `Vary: Authorization`, on each door. The open API's headers stay the legacy
API's, with neither."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.lambda_events import authorizer_claims
from tests.e2e.rest_client import Reply, RestClient, over_http, through_handler
from todo_tools.tokens import issue

SECRET = "legacy-caching-tests-secret-of-32-bytes"
PRIVATE = {"cache-control": "private, no-store", "vary": "Authorization"}


# Each kind of answer a legacy route gives, with its status (without a token: on the open API).
STATUSES = {
    "POST /todo": 200,
    "GET /todo": 200,
    "GET /todo/{id}": 200,
    "GET an unknown id": 200,
    "PUT /todo/{id}": 200,
    "PUT a stale If-Match": 412,
    "DELETE /todo/{id}": 200,
    "OPTIONS /todo": 200,
    "PATCH /todo": 405,
    "GET /todo/a/b": 404,
}


def answers(client: RestClient, anonymous: RestClient) -> dict[str, Reply]:
    created = client.request("POST", "/todo", json.dumps({"userId": "ann", "content": "milk"}))
    assert created.status == 200, created
    path = f"/todo/{created.json()['id']}"
    return {
        "POST /todo": created,
        "GET /todo": client.request("GET", "/todo"),
        "GET /todo/{id}": client.request("GET", path),
        "GET an unknown id": client.request("GET", "/todo/nobody"),
        "PUT /todo/{id}": client.request("PUT", path, json.dumps({"status": "done"})),
        "PUT a stale If-Match": client.request("PUT", path, "{}", if_match='"9"'),
        "DELETE /todo/{id}": client.request("DELETE", path),
        "OPTIONS /todo": client.request("OPTIONS", "/todo"),
        "PATCH /todo": client.request("PATCH", "/todo"),
        "GET /todo/a/b": client.request("GET", "/todo/a/b"),
        "no token": anonymous.request("GET", "/todo"),
    }


def _cache_headers(reply: Reply) -> dict[str, str]:
    return {
        name: reply.headers[name] for name in ("cache-control", "vary") if name in reply.headers
    }


@pytest.fixture(params=["http", "rest_api_v1", "http_api_v2"])
def authenticated(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, start_server: StartServer
) -> Iterator[tuple[RestClient, RestClient]]:
    """A client with an identity, and one without."""
    if request.param == "http":
        with start_server(auth="jwt", jwt_secret=SECRET) as url:
            token = issue(SECRET, "ann", expires_s=600)
            yield over_http(url).with_headers(authorization=f"Bearer {token}"), over_http(url)
        return
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.setenv("TODO_JWT_SECRET", SECRET)
    handler = request.getfixturevalue("handler")
    claims = authorizer_claims(request.param, "ann")
    yield through_handler(handler, request.param, claims), through_handler(handler, request.param)


@pytest.fixture(params=["http", "rest_api_v1", "http_api_v2"])
def open_api(request: pytest.FixtureRequest, start_server: StartServer) -> Iterator[RestClient]:
    if request.param == "http":
        with start_server() as url:
            yield over_http(url)
        return
    yield through_handler(request.getfixturevalue("handler"), request.param)


def test_every_legacy_answer_under_authentication_is_private_and_stored_nowhere(
    authenticated: tuple[RestClient, RestClient], subtests: pytest.Subtests
) -> None:
    for name, reply in answers(*authenticated).items():
        with subtests.test(name):
            assert (reply.status, _cache_headers(reply)) == (STATUSES.get(name, 401), PRIVATE)


def test_the_open_apis_legacy_answers_carry_no_cache_headers_as_before(
    open_api: RestClient, subtests: pytest.Subtests
) -> None:
    for name, reply in answers(open_api, open_api).items():
        with subtests.test(name):
            assert (reply.status, _cache_headers(reply)) == (STATUSES.get(name, 200), {})
