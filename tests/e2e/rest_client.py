"""One small client for the legacy REST routes and GraphQL, over three transports: REST API v1
events (stage `prod`) and HTTP API v2 events with the `/prod` stage prefix through the Mangum
handler, and HTTP against a local uvicorn server."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.e2e.lambda_events import Handler, LambdaContext, event


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Call = Callable[[str, str, bytes | None, dict[str, str]], Reply]


class RestClient:
    def __init__(self, call: Call, headers: dict[str, str] | None = None) -> None:
        self._call = call
        self._headers = headers or {}

    def with_headers(self, **headers: str) -> RestClient:
        """This client, sending `headers` (such as `authorization`) on every request too."""
        return RestClient(self._call, {**self._headers, **_names(headers)})

    def request(
        self, method: str, path: str, body: bytes | str | None = None, **headers: str
    ) -> Reply:
        raw = body.encode() if isinstance(body, str) else body
        return self._call(method, path, raw, {**self._headers, **_names(headers)})

    def graphql(self, query: str, **variables: Any) -> Any:
        payload = json.dumps({"query": query, "variables": variables})
        reply = self.request("POST", "/graphql", payload, content_type="application/json")
        assert reply.status == 200, reply
        return reply.json()


def _names(headers: dict[str, str]) -> dict[str, str]:
    return {k.replace("_", "-"): v for k, v in headers.items()}


def through_handler(
    handler: Handler, kind: str, claims: Mapping[str, str] | None = None
) -> RestClient:
    """`claims`: what the API's authorizer verified, put in every event."""
    stage = "prod" if kind == "http_api_v2" else None

    def call(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        path, _, query_string = path.partition("?")
        query = dict(parse_qsl(query_string)) if query_string else None
        payload = event(
            kind, method, path, query=query, headers=headers, stage=stage, claims=claims
        )
        if body is not None:
            try:
                payload["body"] = body.decode()
            except UnicodeDecodeError:  # API Gateway passes bytes that are not text as base64
                payload["body"] = base64.b64encode(body).decode()
                payload["isBase64Encoded"] = True
        response = handler(payload, LambdaContext())
        raw = response.get("body") or ""
        data = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
        return Reply(response["statusCode"], _headers(response), data)

    return RestClient(call)


def over_http(base_url: str) -> RestClient:
    def call(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        response = httpx.request(method, f"{base_url}{path}", content=body, headers=headers)
        return Reply(response.status_code, dict(response.headers), response.content)

    return RestClient(call)


def _headers(response: dict[str, Any]) -> dict[str, str]:
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(values)
    return headers
