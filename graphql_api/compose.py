"""Wiring shared by the composition roots (the Lambda handler and the CLI)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from graphql_api.app import create_app
from graphql_api.auth import Authenticator, JwtAuthenticator, OpenAccess, TokenVerifier
from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.budget import current
from graphql_api.config import Settings
from graphql_api.errors import DeadlineReached
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from graphql_api.repository.dynamodb_documents import DynamoDBDocumentStore
from graphql_api.request_log import count_dynamodb_call
from graphql_api.service import PageSizes, TodoService

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from starlette.applications import Starlette


def dynamodb_client(settings: Settings, *, local_credentials: bool = False) -> DynamoDBClient:
    """A client whose attempts are bounded in number and time, and answer to the request's
    deadline (`AttemptDeadline`).

    botocore's legacy retry mode rather than its standard one: the standard mode keeps a retry
    quota for the life of the client, which in a warm Lambda is the life of the container, so
    a stall a minute ago leaves the next throttled calls a single attempt each
    (`bench/faults.py`); and its throttling
    back-off (up to 1 s, then 2 s, more when DynamoDB sends `x-amz-retry-after`) spends the
    request's time where a client told `Retry-After` can wait for itself. The legacy mode
    retries the same faults (throttling, 5xx, timeouts, failed connections) with fixed waits
    of 50 ms, then 100 ms, the same for every request. A container serves one request at a
    time, so its retries cannot pile up beyond `dynamodb_max_attempts` per call.

    `local_credentials` signs with placeholder keys, which an embedded DynamoDB accepts, so a
    machine with no AWS account configured can still run the service.
    """
    config = Config(
        connect_timeout=settings.dynamodb_connect_timeout,
        read_timeout=settings.dynamodb_read_timeout,
        retries={"mode": "legacy", "total_max_attempts": settings.dynamodb_max_attempts},
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
    AttemptDeadline().register(client.meta.events)
    return cast("DynamoDBClient", client)


class AttemptDeadline:
    """botocore hooks that start no attempt of a DynamoDB call, retries included, once the
    request's budget (`budget.current()`) is out of time.

    A first attempt refused raises `DeadlineReached`: nothing was sent. A retry refused raises
    what the attempt before it failed with, as if botocore had run out of attempts, so that
    the repository names that fault. So a request ends at most `Settings.dynamodb_overrun_s`
    after its deadline, however many calls it makes.
    """

    def __init__(self) -> None:
        self._failure = threading.local()  # one call at a time per thread

    def register(self, events: Any) -> None:
        events.register("before-call.dynamodb", self._call_starts)
        events.register_first("needs-retry.dynamodb", self._attempt_ended)
        # First: an in-process DynamoDB (moto) answers in its own `before-send` hook.
        events.register_first("before-send.dynamodb", self._attempt_starts)

    def _call_starts(self, **_: Any) -> None:
        self._failure.last = None

    def _attempt_ended(
        self, response: Any, caught_exception: Exception | None, operation: Any, **_: Any
    ) -> None:
        failed = response is not None and response[0].status_code >= 300
        error = ClientError(response[1], operation.name) if failed else None
        self._failure.last = caught_exception or error

    def _attempt_starts(self, **_: Any) -> None:
        budget = current()
        if budget is None or not budget.out_of_time:
            return
        last: Exception | None = getattr(self._failure, "last", None)
        if last is None:
            raise DeadlineReached
        raise last


def build_app(
    settings: Settings, client: DynamoDBClient, *, run: RunBlocking = in_thread
) -> Starlette:
    repository = DynamoDBTodoRepository(
        client, settings.table_name, records_table=settings.records_table
    )
    page_sizes = PageSizes(
        settings.page_size_default, settings.page_size_max, settings.max_examined
    )
    service = TodoService(
        repository, page_sizes=page_sizes, idempotency_ttl_s=settings.idempotency_ttl
    )
    documents = DynamoDBDocumentStore(client, settings.records_table)
    return create_app(service, authenticator(settings), settings, documents, run=run)


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
        return hs256_verifier(settings.jwt_secret, max_lifetime_s=settings.jwt_max_lifetime)
    assert issuer is not None
    assert audience is not None
    jwks_url = settings.jwks_url or f"{issuer.rstrip('/')}/.well-known/jwks.json"
    return jwks_verifier(
        jwks_url, issuer=issuer, audience=audience, max_lifetime_s=settings.jwt_max_lifetime
    )
