"""Tokens the service verifies itself: HS256, and an OIDC issuer's JWKS served over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from graphql_api.auth import JwtAuthenticator, groups
from graphql_api.errors import ServiceUnavailable, Unauthenticated
from graphql_api.model import Caller
from graphql_api.tokens import hs256_verifier, jwks_verifier
from todo_tools.tokens import issue

SECRET = "s" * 32
ISSUER = "https://issuer.example"
AUDIENCE = "app-client"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """The issuer's JWKS on a loopback HTTP server, as Cognito publishes it."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def rs256(**claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "ann", "exp": now + 60, **claims}
    return jwt.encode(payload, KEY, algorithm="RS256", headers={"kid": "k1"})


def test_an_issuers_token_is_verified_with_its_jwks(jwks_url: str) -> None:
    verify = jwks_verifier(jwks_url, issuer=ISSUER, audience=AUDIENCE)
    assert verify(rs256())["sub"] == "ann"


def test_a_cognito_access_token_matches_the_audience_by_client_id(jwks_url: str) -> None:
    verify = jwks_verifier(jwks_url, issuer=ISSUER, audience=AUDIENCE)
    assert verify(rs256(aud=None, client_id=AUDIENCE))["sub"] == "ann"


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://elsewhere.example"},
        {"aud": "another-client"},
        {"exp": int(time.time()) - 3_600},
        {"sub": None},
    ],
)
def test_an_issuers_token_for_another_party_or_time_is_refused(
    jwks_url: str, claims: dict[str, Any]
) -> None:
    verify = jwks_verifier(jwks_url, issuer=ISSUER, audience=AUDIENCE)
    token = rs256(**{k: v for k, v in claims.items() if v is not None})
    if claims == {"sub": None}:
        payload = jwt.decode(token, options={"verify_signature": False})
        del payload["sub"]
        token = jwt.encode(payload, KEY, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(Unauthenticated) as refused:
        verify(token)
    assert refused.value.challenge == 'Bearer error="invalid_token"'


def test_an_hs256_token_signed_with_the_issuers_public_key_is_refused(jwks_url: str) -> None:
    """Algorithm confusion: the public key is no shared secret."""
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "ann", "exp": int(time.time()) + 60}
    header = {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    signing_input = b".".join(_b64(json.dumps(part).encode()) for part in (header, payload))
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    forged = (signing_input + b"." + _b64(signature)).decode()
    with pytest.raises(Unauthenticated):
        jwks_verifier(jwks_url, issuer=ISSUER, audience=AUDIENCE)(forged)


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "ann", "exp": int(time.time()) + 60}, "", algorithm="none")
    with pytest.raises(Unauthenticated):
        hs256_verifier(SECRET)(unsigned)


def test_an_unreachable_issuer_is_a_retryable_fault_not_a_refused_token() -> None:
    verify = jwks_verifier("http://127.0.0.1:9/keys", issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ServiceUnavailable) as raised:
        verify(rs256())
    assert (raised.value.reason, raised.value.retry_after) == ("JwksUnreachable", 2)


def test_issued_tokens_verify_and_carry_the_admin_group() -> None:
    token = issue(SECRET, "ann", expires_s=60, extra={"cognito:groups": ["todo-admins"]})
    authenticator = JwtAuthenticator(
        hs256_verifier(SECRET), admin_claim="cognito:groups", admin_group="todo-admins"
    )
    assert authenticator.authenticate(f"Bearer {token}", None) == Caller("ann", admin=True)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (["todo-admins", "x"], {"todo-admins", "x"}),
        ("[todo-admins x]", {"todo-admins", "x"}),
        ("todo-admins,x", {"todo-admins", "x"}),
        ("", set()),
        (None, set()),
        (7, set()),
    ],
)
def test_groups_read_every_shape_api_gateway_hands_over(claim: object, expected: set[str]) -> None:
    assert groups(claim) == expected


def hs256(**claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "ann", "iat": now, "exp": now + 60, **claims}
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None}, SECRET, algorithm="HS256"
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(int(time.time()) + 60)},
        {"exp": f"{int(time.time()) + 60}.0"},
        {"exp": True},
        {"iat": str(int(time.time()))},
        {"nbf": str(int(time.time()))},
        {"nbf": False},
    ],
    ids=[
        "exp a numeric string",
        "exp a decimal string",
        "exp true",
        "iat a string",
        "nbf a string",
        "nbf false",
    ],
)
def test_a_time_claim_that_is_not_a_number_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated) as refused:
        hs256_verifier(SECRET)(hs256(**claims))
    assert refused.value.challenge == 'Bearer error="invalid_token"'


def test_an_issuers_token_whose_exp_is_a_string_is_refused(jwks_url: str) -> None:
    verify = jwks_verifier(jwks_url, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(Unauthenticated, match="exp must be a number of seconds"):
        verify(rs256(exp=str(int(time.time()) + 60)))


def test_a_token_may_live_a_day_by_default_and_no_longer() -> None:
    now = int(time.time())
    verify = hs256_verifier(SECRET)
    assert verify(hs256(iat=now - 10, exp=now - 10 + 86_400))["sub"] == "ann"
    with pytest.raises(Unauthenticated, match="it lives 86,401 s, over the 86,400 this API"):
        verify(hs256(iat=now - 10, exp=now - 10 + 86_401))


def test_without_iat_a_tokens_life_is_what_is_left_of_it() -> None:
    now = int(time.time())
    verify = hs256_verifier(SECRET, max_lifetime_s=600)
    assert verify(hs256(iat=None, exp=now + 600))["sub"] == "ann"
    with pytest.raises(Unauthenticated, match="over the 600 this API accepts"):
        verify(hs256(iat=None, exp=now + 700))


def test_an_issuers_token_living_longer_than_the_limit_is_refused(jwks_url: str) -> None:
    now = int(time.time())
    verify = jwks_verifier(jwks_url, issuer=ISSUER, audience=AUDIENCE, max_lifetime_s=3_600)
    assert verify(rs256(iat=now, exp=now + 3_600))["sub"] == "ann"
    with pytest.raises(Unauthenticated, match="it lives 7,200 s"):
        verify(rs256(iat=now - 3_600, exp=now + 3_600))
