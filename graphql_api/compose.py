"""Wiring shared by the composition roots (the Lambda handler and the CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import botocore.session
from botocore.config import Config

from graphql_api.app import create_app
from graphql_api.auth import Authenticator, JwtAuthenticator, OpenAccess, TokenVerifier
from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.config import Settings
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from graphql_api.request_log import count_dynamodb_call
from graphql_api.service import PageSizes, TodoService

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from starlette.applications import Starlette


def dynamodb_client(settings: Settings, *, local_credentials: bool = False) -> DynamoDBClient:
    """A client whose worst case (timeouts times attempts) ends well inside the function timeout.

    `local_credentials` signs with placeholder keys, which an embedded DynamoDB accepts, so a
    machine with no AWS account configured can still run the service.
    """
    config = Config(
        connect_timeout=settings.dynamodb_connect_timeout,
        read_timeout=settings.dynamodb_read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.dynamodb_max_attempts},
    )
    placeholder = "local" if local_credentials else None
    # botocore's client, which boto3's is: boto3's import alone (its resource layer, s3transfer)
    # would add about 100 ms to every cold start, for nothing this service calls.
    client = botocore.session.get_session().create_client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint,
        config=config,
        aws_access_key_id=placeholder,
        aws_secret_access_key=placeholder,
    )
    client.meta.events.register("before-call.dynamodb", count_dynamodb_call)
    return cast("DynamoDBClient", client)


def build_app(
    settings: Settings, client: DynamoDBClient, *, run: RunBlocking = in_thread
) -> Starlette:
    repository = DynamoDBTodoRepository(client, settings.table_name)
    page_sizes = PageSizes(
        settings.page_size_default, settings.page_size_max, settings.max_examined
    )
    service = TodoService(repository, page_sizes=page_sizes)
    return create_app(service, authenticator(settings), settings, run=run)


def authenticator(settings: Settings) -> Authenticator:
    if settings.auth == "none":
        return OpenAccess()
    return JwtAuthenticator(
        _token_verifier(settings),
        admin_claim=settings.admin_claim,
        admin_group=settings.admin_group,
    )


def _token_verifier(settings: Settings) -> TokenVerifier | None:
    """How this service verifies bearer tokens itself; None where only an API Gateway
    authorizer vouches for callers."""
    issuer, audience = settings.jwt_issuer, settings.jwt_audience
    if settings.jwt_secret is None and (issuer is None or audience is None):
        return None
    # Imported only here: PyJWT brings the cryptography library, which a deployment whose
    # authorizer verifies tokens should not pay for on every cold start.
    from graphql_api.tokens import hs256_verifier, jwks_verifier

    if settings.jwt_secret is not None:
        return hs256_verifier(settings.jwt_secret, issuer=issuer, audience=audience)
    assert issuer is not None
    assert audience is not None
    jwks_url = settings.jwks_url or f"{issuer.rstrip('/')}/.well-known/jwks.json"
    return jwks_verifier(jwks_url, issuer=issuer, audience=audience)
