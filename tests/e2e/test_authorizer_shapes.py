"""Whatever an authorizer puts in the event, a request it did not vouch for is 401
`UNAUTHENTICATED`, never a 500: a REST API's Lambda authorizer (its context's values are
strings), authorizers and claims that are not objects, subjects that are not strings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.lambda_events import Handler, LambdaContext, event
from todo_tools.tokens import issue

SECRET = "authorizer-shape-tests-secret-of-32-bytes"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl"

# Authorizers that carry no claims of ours: the request is as one no authorizer vouched for.
NO_CLAIMS: dict[str, object] = {
    "a Lambda authorizer's context with a jwt string": {
        "principalId": "ann",
        "jwt": TOKEN,
        "integrationLatency": 12,
    },
    "jwt as JSON text": {"jwt": json.dumps({"claims": {"sub": "ann"}})},
    "jwt a list": {"jwt": [{"claims": {"sub": "ann"}}]},
    "jwt a number": {"jwt": 7},
    "jwt true": {"jwt": True},
    "jwt claims a string": {"jwt": {"claims": "sub=ann"}},
    "jwt claims a list": {"jwt": {"claims": [{"sub": "ann"}]}},
    "jwt claims null": {"jwt": {"claims": None}},
    "jwt claims empty": {"jwt": {"claims": {}}},
    "claims a string": {"claims": "sub=ann"},
    "claims a list": {"claims": ["sub", "ann"]},
    "claims a number": {"claims": 0.5},
    "an HTTP API Lambda authorizer": {"lambda": {"sub": "ann"}},
    "an IAM authorizer": {"iam": {"userId": "AIDAEXAMPLE"}},
    "authorizer a string": "ann",
    "authorizer a number": 42,
    "authorizer a list": [{"claims": {"sub": "ann"}}],
    "authorizer false": False,
    "authorizer null": None,
}
# Claims whose subject is no user id: the claims are refused as an invalid token.
UNUSABLE_SUBJECTS: dict[str, object] = {
    "sub a number": {"claims": {"sub": 5}},
    "sub a list": {"jwt": {"claims": {"sub": ["ann"]}}},
    "sub an object": {"claims": {"sub": {"id": "ann"}}},
    "sub null": {"jwt": {"claims": {"sub": None}}},
    "no sub": {"claims": {"username": "ann"}},
}
ROUTES = {
    "POST /graphql": ("POST", "/graphql", json.dumps({"query": '{ todo(id: "t") { id } }'})),
    "GET /todo": ("GET", "/todo", None),
    "POST /todo": ("POST", "/todo", json.dumps({"content": "milk"})),
}
LEGACY_MESSAGES = {
    "GET /todo": "Could not list wall posts",
    "POST /todo": "Could not save to dynamoDB",
}


@pytest.fixture
def authorizer_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.delenv("TODO_JWT_SECRET", raising=False)


def _call(
    handler: Handler, kind: str, route: str, authorizer: object, **headers: str
) -> tuple[int, dict[str, str], Any]:
    method, path, body = ROUTES[route]
    payload = event(kind, method, path, body=body, headers=headers)
    payload["requestContext"]["authorizer"] = authorizer
    response = handler(payload, LambdaContext())
    names = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        names[name.lower()] = ", ".join(values)
    return response["statusCode"], names, json.loads(response["body"])


def _assert_unauthenticated(
    answer: tuple[int, dict[str, str], Any], route: str, challenge: str
) -> None:
    status, headers, body = answer
    assert (status, headers["www-authenticate"]) == (401, challenge), body
    if route in LEGACY_MESSAGES:
        assert body["message"] == LEGACY_MESSAGES[route]
    else:
        assert [error["extensions"] for error in body["errors"]] == [{"code": "UNAUTHENTICATED"}]


@pytest.mark.usefixtures("authorizer_only")
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", ["rest_api_v1", "http_api_v2"])
@pytest.mark.parametrize("shape", NO_CLAIMS)
def test_an_authorizer_of_another_shape_vouches_for_nobody(
    handler: Handler, kind: str, route: str, shape: str
) -> None:
    answer = _call(handler, kind, route, NO_CLAIMS[shape], authorization=f"Bearer {TOKEN}")
    _assert_unauthenticated(answer, route, 'Bearer error="invalid_token"')
    _assert_unauthenticated(_call(handler, kind, route, NO_CLAIMS[shape]), route, "Bearer")


@pytest.mark.usefixtures("authorizer_only")
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", ["rest_api_v1", "http_api_v2"])
@pytest.mark.parametrize("shape", UNUSABLE_SUBJECTS)
def test_claims_without_a_usable_subject_are_an_invalid_token(
    handler: Handler, kind: str, route: str, shape: str
) -> None:
    answer = _call(handler, kind, route, UNUSABLE_SUBJECTS[shape])
    _assert_unauthenticated(answer, route, 'Bearer error="invalid_token"')


@pytest.mark.parametrize("shape", ["a Lambda authorizer's context with a jwt string", "jwt a list"])
def test_where_the_service_verifies_tokens_an_odd_authorizer_leaves_the_bearer_token_to_it(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, shape: str
) -> None:
    monkeypatch.setenv("TODO_AUTH", "jwt")
    monkeypatch.setenv("TODO_JWT_SECRET", SECRET)
    handler: Handler = request.getfixturevalue("handler")
    bearer = f"Bearer {issue(SECRET, 'ann', expires_s=60)}"

    status, _, body = _call(
        handler, "rest_api_v1", "POST /todo", NO_CLAIMS[shape], authorization=bearer
    )

    assert (status, body["userId"]) == (200, "ann")
    _assert_unauthenticated(
        _call(handler, "rest_api_v1", "GET /todo", NO_CLAIMS[shape]), "GET /todo", "Bearer"
    )
