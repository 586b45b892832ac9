"""Real API Gateway and Function URL event payloads (tests/e2e/events), filled in per call."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

EVENTS = Path(__file__).parent / "events"
KINDS = ("http_api_v2", "rest_api_v1", "function_url")


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "todo-api"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:todo-api"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "5b2c2f4e-8d5a-4c1b-9d3e-0f1a2b3c4d5e"
    log_group_name: str = "/aws/lambda/todo-api"
    log_stream_name: str = "2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]
"""The Lambda handler's shape, as tests call it."""


def event(
    kind: str,
    method: str,
    path: str,
    *,
    body: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    stage: str | None = None,
    claims: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An event for `method path`; `stage` names an HTTP API stage other than `$default`,
    which API Gateway then puts in front of the path; `claims` are what an authorizer verified
    (see `authorizer_claims`)."""
    payload: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / f"{kind}.json").read_text()))
    payload["body"] = body
    if claims is not None:
        payload["requestContext"]["authorizer"] = _authorizer(kind, dict(claims))
    if kind == "rest_api_v1":
        _rest_v1(payload, method, path, query, headers or {})
    else:
        if stage:
            payload["requestContext"]["stage"] = stage
            path = f"/{stage}{path}"
        _v2(payload, method, path, query, headers or {})
    return payload


def authorizer_claims(kind: str, sub: str, groups: Iterable[str] = ()) -> dict[str, str]:
    """Claims as API Gateway hands them to Lambda: every value a string, and a list claim
    written as an HTTP API writes it (`[a b]`) or as a REST API's Cognito authorizer does
    (`a,b`)."""
    claims = {
        "sub": sub,
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
        "token_use": "access",
        "client_id": "4example5client6id7",
        "exp": "1795772001",
        "iat": "1795768401",
    }
    groups = list(groups)
    if groups:
        joined = f"[{' '.join(groups)}]" if kind == "http_api_v2" else ",".join(groups)
        claims["cognito:groups"] = joined
    return claims


def _authorizer(kind: str, claims: dict[str, str]) -> dict[str, Any]:
    if kind == "http_api_v2":  # a JWT authorizer
        return {"jwt": {"claims": claims, "scopes": None}}
    if kind == "rest_api_v1":  # a Cognito user pool authorizer
        return {"claims": claims}
    raise ValueError(f"{kind} events carry no authorizer claims")


def graphql_post(kind: str, query: str, **variables: Any) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables})
    return event(kind, "POST", "/graphql", body=body, headers={"content-length": str(len(body))})


def _v2(
    payload: dict[str, Any],
    method: str,
    path: str,
    query: dict[str, str] | None,
    headers: dict[str, str],
) -> None:
    payload["rawPath"] = path
    payload["requestContext"]["http"]["method"] = method
    payload["requestContext"]["http"]["path"] = path
    payload["rawQueryString"] = urlencode(query or {})
    if query:
        payload["queryStringParameters"] = query
    payload["headers"].update({k.lower(): v for k, v in headers.items()})


def _rest_v1(
    payload: dict[str, Any],
    method: str,
    path: str,
    query: dict[str, str] | None,
    headers: dict[str, str],
) -> None:
    payload["path"] = payload["resource"] = payload["requestContext"]["resourcePath"] = path
    payload["httpMethod"] = payload["requestContext"]["httpMethod"] = method
    payload["requestContext"]["path"] = f"/{payload['requestContext']['stage']}{path}"
    payload["queryStringParameters"] = query
    payload["multiValueQueryStringParameters"] = (
        {k: [v] for k, v in query.items()} if query else None
    )
    for name, value in headers.items():
        title = "-".join(part.capitalize() for part in name.split("-"))
        payload["headers"][title] = value
        payload["multiValueHeaders"][title] = [value]


def payload_size(response: dict[str, Any]) -> int:
    """The bytes of `response` as the Lambda Python 3.12+ runtime serialises it into the
    invocation payload (awslambdaric's marshaller: `json` with `ensure_ascii=False`), which
    Lambda's 6 MB response limit counts."""
    return len(json.dumps(response, ensure_ascii=False).encode())
