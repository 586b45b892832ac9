"""The DynamoDB a command works on: an embedded one, or where settings point, with the user's
set-up mistakes (no credentials, no table, unreachable) as one line each."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from graphql_api.compose import dynamodb_client
from graphql_api.config import Settings
from todo_tools.console import CommandError, logger
from todo_tools.tables import create, expire_records, records_table_definition, table_definition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@contextmanager
def embedded_dynamodb() -> Iterator[str]:
    """moto's DynamoDB as an HTTP server on a free loopback port (`serve`'s default, and what
    the tests and benchmarks start the same way); its URL."""
    from moto.server import ThreadedMotoServer  # from the `local` extra, as uvicorn is

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per DynamoDB call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def where(settings: Settings) -> str:
    return settings.dynamodb_endpoint or f"AWS ({settings.region})"


def placeholder_credentials(settings: Settings) -> bool:
    """Whether to sign with placeholder keys: where none are configured and the DynamoDB is on
    this machine (DynamoDB Local, LocalStack), which accepts any. Configured keys are kept:
    DynamoDB Local keeps one database per access key."""
    try:
        configured = botocore.session.get_session().get_credentials() is not None
    except BotoCoreError as exc:  # e.g. an AWS_PROFILE that does not exist
        raise CommandError(str(exc)) from None
    if configured:
        return False
    endpoint = settings.dynamodb_endpoint
    if endpoint and urlsplit(endpoint).hostname in ("localhost", "127.0.0.1", "::1"):
        logger.info("No AWS credentials configured: signing with placeholder keys")
        return True
    target = endpoint or f"DynamoDB in {settings.region}"
    raise CommandError(
        f"no AWS credentials to call {target} with: run `aws configure`, or set AWS_PROFILE, "
        "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (DynamoDB Local accepts any)"
    )


def connect(settings: Settings) -> DynamoDBClient:
    """A client for where settings point, signed as `placeholder_credentials` decides."""
    local = placeholder_credentials(settings)
    with refusals(settings):
        return dynamodb_client(settings, local_credentials=local)


@contextmanager
def refusals(settings: Settings) -> Iterator[None]:
    """DynamoDB's refusals of the user's set-up (unreachable, bad keys) as one line."""
    try:
        yield
    except (BotoCoreError, ClientError, ValueError) as exc:  # ValueError: an unusable region
        raise CommandError(f"DynamoDB at {where(settings)}: {exc}") from None


def require_table(client: DynamoDBClient, settings: Settings, name: str, what_to_do: str) -> None:
    """Refuse, naming the table and saying what to do, when `name` is not there."""
    with refusals(settings):
        try:
            client.describe_table(TableName=name)
        except client.exceptions.ResourceNotFoundException:
            raise CommandError(f"no table {name!r} at {where(settings)}: {what_to_do}") from None


def create_tables(client: DynamoDBClient, settings: Settings) -> None:
    """The todo and records tables where settings point, each created unless it is there."""
    with refusals(settings):
        for name, definition in (
            (settings.table_name, table_definition),
            (settings.records_table, records_table_definition),
        ):
            created = create(client, definition(name))
            logger.info("Table %r %s", name, "created" if created else "already exists")
        if not expire_records(client, settings.records_table):
            logger.warning(
                "This DynamoDB has no TTL (UpdateTimeToLive): records in %r will not expire "
                "here, though the service ignores them once they would have",
                settings.records_table,
            )
