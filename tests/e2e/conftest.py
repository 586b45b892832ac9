from __future__ import annotations

import asyncio
import importlib
import os
import socket
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import boto3
import pytest
import uvicorn
from moto import mock_aws
from starlette.applications import Starlette

from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings
from tests.conftest import RECORDS, REGION, TABLE, CallCounter
from tests.e2e.lambda_events import Handler
from todo_tools import graphiql_fetch
from todo_tools.dynamodb import embedded_dynamodb
from todo_tools.tables import create_records_table, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's DynamoDB as a real HTTP server on a free loopback port."""
    with embedded_dynamodb() as url:
        yield url


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Run `app` under uvicorn on a free loopback port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class StartServer(Protocol):
    def __call__(self, **overrides: Any) -> AbstractContextManager[str]: ...


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def started(moto_endpoint: str, **overrides: Any) -> Iterator[str]:
    """The app on fresh tables of the moto server, with settings overridden; its base URL."""
    # The assets directory as the Lambda handler takes it, from the environment.
    overrides.setdefault("graphiql_assets_dir", os.environ.get("TODO_GRAPHIQL_ASSETS_DIR"))
    settings, client = fresh_tables(moto_endpoint, **overrides)
    with serving(build_app(settings, client)) as url:
        yield url


def fresh_tables(moto_endpoint: str, **overrides: Any) -> tuple[Settings, DynamoDBClient]:
    """Settings naming new todo and records tables on the moto server, which it creates."""
    unique = uuid.uuid4().hex[:8]
    settings = Settings(
        table_name=f"todos-{unique}",
        records_table=f"records-{unique}",
        dynamodb_endpoint=moto_endpoint,
        **overrides,
    )
    client = dynamodb_client(settings, local_credentials=True)
    create_table(client, settings.table_name)
    create_records_table(client, settings.records_table)
    return settings, client


@pytest.fixture
def start_server(moto_endpoint: str) -> StartServer:
    """Start the app, on a fresh table of the moto server, with settings overridden."""

    def start(**overrides: Any) -> AbstractContextManager[str]:
        return started(moto_endpoint, **overrides)

    return start


@pytest.fixture
def server(start_server: StartServer) -> Iterator[str]:
    with start_server() as url:
        yield url


@pytest.fixture
def close_mangums_loop() -> Iterator[None]:
    """Mangum runs each invocation on the thread's event loop and keeps it, as a warm Lambda
    should; a test process closes it so nothing leaks into later tests."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        loop = asyncio.get_event_loop_policy().get_event_loop()
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def calls() -> Iterator[CallCounter]:
    """Counts what every client made from here on sends."""
    counter = CallCounter()
    with mock_aws(), counter.every_new_client():
        yield counter


def fresh_handler() -> Handler:
    """Import the handler module anew, so it reads the environment as a cold start does."""
    sys.modules.pop("graphql_api.handler", None)
    module = importlib.import_module("graphql_api.handler")
    handler: Handler = module.handler
    return handler


@pytest.fixture
def handler(calls: CallCounter, close_mangums_loop: None) -> Handler:
    """The Lambda handler over moto, its tables made from the shared definitions."""
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client, TABLE)
    create_records_table(client, RECORDS)
    calls.reset()
    return fresh_handler()


@pytest.fixture(scope="session")
def graphiql_files() -> Path:
    """GraphiQL's pinned files, fetched from the npm registry (once per machine: into the
    user's cache, as `todo-api serve` does) and verified against the lock."""
    directory = graphiql_fetch.cache_dir(os.environ)
    graphiql_fetch.fetch(directory)
    return directory
