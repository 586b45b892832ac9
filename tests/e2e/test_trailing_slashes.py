"""A trailing slash names no resource: 404 `NOT_FOUND`, as any unknown path, and no redirect,
whose absolute URL Starlette would build from the client's `Host` header."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.lambda_events import Handler, LambdaContext, event

NOT_FOUND = {"errors": [{"message": "Not Found", "extensions": {"code": "NOT_FOUND"}}]}
PATHS = [("GET", "/graphql/"), ("POST", "/graphql/"), ("GET", "/graphiql/"), ("GET", "/nope")]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_a_trailing_slash_is_404_not_a_redirect_to_the_host_header(
    server: str, method: str, path: str
) -> None:
    reply = httpx.request(
        method,
        server + path,
        headers={"host": "attacker.example", "content-type": "application/json"},
        content=b'{"query": "{ __typename }"}' if method == "POST" else None,
    )

    assert (reply.status_code, reply.json()) == (404, NOT_FOUND)
    assert "location" not in reply.headers


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_a_trailing_slash_is_404_through_lambda(handler: Handler, method: str, path: str) -> None:
    body = json.dumps({"query": "{ __typename }"}) if method == "POST" else None
    response = handler(event("http_api_v2", method, path, body=body), LambdaContext())

    assert (response["statusCode"], json.loads(response["body"])) == (404, NOT_FOUND)
    assert "location" not in response["headers"]
