"""Bearer tokens this service verifies itself, with PyJWT (`todo_tools.tokens` issues them
for local use).

Kept apart from `auth` so that deployments whose identity comes from an API Gateway authorizer
never import PyJWT and the cryptography library on a cold start.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt

from graphql_api.auth import Claims, TokenVerifier
from graphql_api.config import DEFAULT_JWT_MAX_LIFETIME_S, ConfigError
from graphql_api.errors import ServiceUnavailable, Unauthenticated

HS256 = "HS256"
# Asymmetric algorithms only: a JWKS-verified token naming HS256 would have us treat a public
# key as a shared secret (algorithm confusion).
_JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256"]
_LEEWAY_S = 30  # clock skew between the issuer and Lambda
_JWKS_TIMEOUT_S = 2
_JWKS_CACHE_S = 3_600
_JWKS_RETRY_AFTER_S = 2


def hs256_verifier(
    secret: str, *, max_lifetime_s: int = DEFAULT_JWT_MAX_LIFETIME_S
) -> TokenVerifier:
    """`max_lifetime_s`: the longest a token may live, from `iat` (or from now) to `exp`."""

    def verify(token: str) -> Claims:
        return _lived(_decoded(token, secret, [HS256], None, None), max_lifetime_s)

    return verify


def jwks_verifier(
    jwks_url: str,
    *,
    issuer: str,
    audience: str,
    max_lifetime_s: int = DEFAULT_JWT_MAX_LIFETIME_S,
) -> TokenVerifier:
    """Keys are fetched when a token names one we have not seen, then cached for an hour;
    `max_lifetime_s` as for `hs256_verifier`."""
    if not jwt.algorithms.has_crypto:
        # Without it every token would be refused as invalid: fail the cold start instead.
        raise ConfigError(
            "TODO_JWT_ISSUER: verifying an issuer's tokens needs the cryptography library, "
            "which this artifact leaves out; build it with `todo-api package --jwks`"
        )
    keys = jwt.PyJWKClient(
        jwks_url, cache_keys=True, lifespan=_JWKS_CACHE_S, timeout=_JWKS_TIMEOUT_S
    )

    def verify(token: str) -> Claims:
        try:
            key = keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            # Nothing is wrong with the token as far as we know: the caller should retry, not
            # sign in again.
            raise ServiceUnavailable(
                "JwksUnreachable", "GetSigningKey", retry_after=_JWKS_RETRY_AFTER_S
            ) from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"The token is not valid: {exc}.", token_given=True) from exc
        return _lived(_decoded(token, key, _JWKS_ALGORITHMS, issuer, audience), max_lifetime_s)

    return verify


def _decoded(
    token: str, key: Any, algorithms: list[str], issuer: str | None, audience: str | None
) -> Claims:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            issuer=issuer,
            leeway=_LEEWAY_S,
            # The audience is checked below, as API Gateway's JWT authorizer checks it.
            options={"require": ["exp", "sub"], "verify_aud": False},
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"The token is not valid: {exc}.", token_given=True) from exc
    if audience is not None and not _for_audience(claims, audience):
        raise Unauthenticated(
            "The token is not valid: it was issued for another audience.", token_given=True
        )
    return claims


def _lived(claims: Claims, max_lifetime_s: int) -> Claims:
    """`claims`, if their times are numbers (PyJWT takes `"exp": "9999999999"` for one) and
    the token lives no longer than `max_lifetime_s`."""
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise Unauthenticated(
                f"The token is not valid: {name} must be a number of seconds.", token_given=True
            )
    issued = claims.get("iat")
    # Without `iat`, its life is what is left of it, allowing for an issuer's clock ahead of ours.
    lifetime = claims["exp"] - (time.time() + _LEEWAY_S if issued is None else issued)
    if lifetime > max_lifetime_s:
        raise Unauthenticated(
            f"The token is not valid: it lives {lifetime:,.0f} s, over the {max_lifetime_s:,} "
            "this API accepts.",
            token_given=True,
        )
    return claims


def _for_audience(claims: Mapping[str, Any], audience: str) -> bool:
    """ID tokens name their audience in `aud`; Cognito's access tokens carry `client_id`
    instead. API Gateway accepts either, and so do we."""
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    return audience in audiences or claims.get("client_id") == audience
