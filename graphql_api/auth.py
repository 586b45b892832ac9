"""Who is calling: a `Caller` from verified claims, or `Unauthenticated`.

Claims come from one of two places, and from nowhere else:

- an API Gateway authorizer, which verified the token before the request reached us: the
  Lambda event's `requestContext.authorizer` (`jwt.claims` for JWT authorizers, `claims` for a
  REST API's Cognito authorizer). Only API Gateway writes the request context; a header cannot.
- a bearer token this service verifies itself (PyJWT): HS256 with a shared secret, or an OIDC
  issuer's JWKS, with its issuer and audience checked.

A request with neither is refused. An `Authorization` header is never read without verifying it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from graphql_api.errors import Unauthenticated
from graphql_api.model import MAX_USER_ID_LENGTH, OPEN_ACCESS, Caller, is_text

Claims = Mapping[str, Any]
TokenVerifier = Callable[[str], Claims]
"""Verifies a bearer token and returns its claims; raises Unauthenticated otherwise."""


class Authenticator(Protocol):
    def authenticate(self, authorization: str | None, event: Mapping[str, Any] | None) -> Caller:
        """The caller of a request, from its `Authorization` header and its Lambda event."""
        ...


class OpenAccess:
    """No authentication: everyone may do everything, as the legacy API allowed."""

    def authenticate(self, authorization: str | None, event: Mapping[str, Any] | None) -> Caller:
        return OPEN_ACCESS


class JwtAuthenticator:
    def __init__(
        self, verifier: TokenVerifier | None, *, admin_claim: str, admin_group: str
    ) -> None:
        """`verifier` is None where only an API Gateway authorizer may vouch for callers."""
        self._verify = verifier
        self._admin_claim = admin_claim
        self._admin_group = admin_group

    def authenticate(self, authorization: str | None, event: Mapping[str, Any] | None) -> Caller:
        claims = authorizer_claims(event)
        if claims is None:
            claims = self._verified(authorization)
        return Caller(_subject(claims), self._admin_group in groups(claims.get(self._admin_claim)))

    def _verified(self, authorization: str | None) -> Claims:
        # RFC 6750 3.1: `error="invalid_token"` answers a bearer token we refuse, whether or
        # not we could verify it; a request with no bearer token at all (no header, another
        # scheme) gets the bare challenge.
        scheme, _, token = (authorization or "").strip().partition(" ")
        bearer = scheme.lower() == "bearer"
        if self._verify is None:
            raise Unauthenticated(
                "This API accepts only requests its authorizer verified.", token_given=bearer
            )
        if authorization is None:
            raise Unauthenticated("Send a bearer token: Authorization: Bearer <token>.")
        if not bearer or not token.strip():
            raise Unauthenticated(
                "The Authorization header must be: Bearer <token>.", token_given=bearer
            )
        return self._verify(token.strip())


def authorizer_claims(event: Mapping[str, Any] | None) -> Claims | None:
    """The claims an API Gateway authorizer put in the event, if one did.

    Any other shape (a Lambda authorizer's context, whose values are strings, such as a `jwt`
    key; an authorizer or claims that are not objects) carries no claims of ours: the request
    is then as one that came through no authorizer.
    """
    authorizer = _member(_member(event, "requestContext"), "authorizer")
    claims = _member(_member(authorizer, "jwt"), "claims") or _member(authorizer, "claims")
    return claims or None


def _member(value: object, key: str) -> Mapping[str, Any] | None:
    """`value[key]` where both are JSON objects, else None."""
    member = value.get(key) if isinstance(value, Mapping) else None
    return member if isinstance(member, Mapping) else None


def groups(value: object) -> frozenset[str]:
    """A groups claim as a set. A JWT carries a list; API Gateway hands claims to Lambda as
    strings: an HTTP API writes a list as `[a b]`, a REST API's Cognito authorizer as `a,b`."""
    if isinstance(value, list):
        return frozenset(item for item in value if isinstance(item, str))
    if not isinstance(value, str):
        return frozenset()
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        return frozenset(text[1:-1].split())
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def _subject(claims: Claims) -> str:
    sub = claims.get("sub")
    if isinstance(sub, str) and sub.strip() and len(sub) <= MAX_USER_ID_LENGTH and is_text(sub):
        return sub
    raise Unauthenticated("The token names no usable subject (sub).", token_given=True)
