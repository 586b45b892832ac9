"""The stage comes off the path only where the event's path carries it, so a stage named
`todo` hides no `/todo/{id}`: REST API (v1) events, HTTP API (v2) events at the `$default`
stage, at a named stage on the API's own endpoint, and through a custom domain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.lambda_events import Handler, LambdaContext, event

CUSTOM_DOMAIN = "api.example.com"
Shape = Callable[[str, str, str | None], dict[str, Any]]


def rest_api(method: str, path: str, body: str | None) -> dict[str, Any]:
    """A REST API's stage `todo`, at its own endpoint: the stage only in requestContext.path."""
    payload = event("rest_api_v1", method, path, body=body)
    payload["requestContext"]["stage"] = "todo"
    payload["requestContext"]["path"] = f"/todo{path}"
    return payload


def rest_api_path_with_stage(method: str, path: str, body: str | None) -> dict[str, Any]:
    """The same, from a setup that sends requestContext.path as the path."""
    payload = rest_api(method, path, body)
    payload["path"] = payload["requestContext"]["path"]
    return payload


def http_api_default_stage(method: str, path: str, body: str | None) -> dict[str, Any]:
    return event("http_api_v2", method, path, body=body)


def http_api_named_stage(method: str, path: str, body: str | None) -> dict[str, Any]:
    """`https://<api>.execute-api.<region>.amazonaws.com/todo/todo/{id}`."""
    return event("http_api_v2", method, path, body=body, stage="todo")


def http_api_custom_domain(method: str, path: str, body: str | None) -> dict[str, Any]:
    """`https://api.example.com/todo/{id}`, the domain's API mapping naming the stage `todo`."""
    payload = event("http_api_v2", method, path, body=body, headers={"host": CUSTOM_DOMAIN})
    payload["requestContext"].update(
        stage="todo", domainName=CUSTOM_DOMAIN, domainPrefix=CUSTOM_DOMAIN.split(".")[0]
    )
    return payload


def rest_api_custom_domain(method: str, path: str, body: str | None) -> dict[str, Any]:
    payload = rest_api(method, path, body)
    payload["requestContext"].update(
        path=path, domainName=CUSTOM_DOMAIN, domainPrefix=CUSTOM_DOMAIN.split(".")[0]
    )
    return payload


SHAPES: dict[str, Shape] = {
    "REST API": rest_api,
    "REST API, the path with the stage": rest_api_path_with_stage,
    "REST API, custom domain": rest_api_custom_domain,
    "HTTP API, $default stage": http_api_default_stage,
    "HTTP API, named stage": http_api_named_stage,
    "HTTP API, custom domain": http_api_custom_domain,
}


def _call(handler: Handler, payload: dict[str, Any]) -> tuple[int, Any]:
    response = handler(payload, LambdaContext())
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("shape", SHAPES)
def test_a_stage_named_todo_hides_no_legacy_route(handler: Handler, shape: str) -> None:
    build = SHAPES[shape]
    status, created = _call(handler, build("POST", "/todo", '{"userId":"ann","content":"milk"}'))
    assert status == 200, created

    assert _call(handler, build("GET", f"/todo/{created['id']}", None)) == (200, [created])
    assert _call(handler, build("GET", "/todo", None)) == (200, {"data": [created]})


@pytest.mark.parametrize("shape", SHAPES)
def test_a_stage_named_todo_hides_no_graphql(handler: Handler, shape: str) -> None:
    status, answer = _call(handler, SHAPES[shape]("POST", "/graphql", '{"query":"{ __typename }"}'))
    assert (status, answer["data"]) == (200, {"__typename": "Query"})
