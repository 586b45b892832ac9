"""`todo-api serve`: the API on this machine, with GraphiQL, over an embedded DynamoDB or the
one settings point at."""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from errno import EADDRINUSE
from pathlib import Path

from graphql_api import graphiql_assets
from graphql_api.blocking import in_thread
from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings
from todo_tools import graphiql_fetch, settings
from todo_tools.console import CommandError, invoked_as, logger
from todo_tools.dynamodb import (
    create_tables,
    embedded_dynamodb,
    placeholder_credentials,
    refusals,
    require_table,
)

HELP = "run the API locally with GraphiQL"


def add_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="the port to listen on")
    settings.add_endpoint_option(
        serve,
        "use this DynamoDB (DynamoDB Local, LocalStack, a region's endpoint) instead of "
        "starting an embedded one",
    )
    serve.add_argument(
        "--create-table",
        action="store_true",
        help="with --dynamodb-endpoint: create the tables if they do not exist",
    )
    serve.add_argument(
        "--auth",
        action="store_true",
        help="require a bearer token (HS256 with TODO_JWT_SECRET, or a fresh secret it prints)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        return _serve(settings.load(args), args)
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down: stop, without a traceback
        return 130


def _port(raw: str) -> int:
    if not raw.isdecimal() or not 0 <= int(raw) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number, 0 to 65535, not {raw!r}")
    return int(raw)


def _serve(configured: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # from the `local` extra

    with (
        # Bound first: a port in use is refused before anything is announced.
        _listening(args.host, args.port) as sock,
        _dynamodb(_with_auth(configured, args.auth), create=args.create_table) as (served, local),
    ):
        served = _with_graphiql(served)
        client = dynamodb_client(served, local_credentials=local)
        app = build_app(served, client, run=in_thread)
        host = f"[{args.host}]" if ":" in args.host else args.host
        logger.info("GraphiQL: http://%s:%d/graphiql", host, sock.getsockname()[1])
        # No access log: the app writes its own line per request. No log config: uvicorn's
        # lines go through the logging set up above. No lifespan: the app has none, as on
        # Lambda, and a second Ctrl-C would otherwise log a cancelled lifespan task.
        config = uvicorn.Config(app, access_log=False, log_config=None, lifespan="off")
        # Ctrl-C: uvicorn has shut down, and raises the signal again once done, for a caller
        # that has more to stop; here there is nothing more.
        with suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=[sock])
    return 0


def _with_auth(configured: Settings, auth: bool) -> Settings:
    """Settings for `serve --auth`: tokens verified with TODO_JWT_SECRET, or a fresh secret."""
    if not auth:
        return configured
    if configured.jwt_issuer is not None:
        # Tokens verified with a made-up secret would be an issuer's tokens all refused.
        raise CommandError(
            "serve --auth verifies HS256 tokens (TODO_JWT_SECRET), and TODO_JWT_ISSUER is set: "
            "unset it, or serve without --auth, with TODO_AUTH=jwt, to verify the issuer's tokens"
        )
    secret = configured.jwt_secret
    if secret is None:
        secret = secrets.token_urlsafe(32)
        logger.info(
            "Authentication on, with a fresh secret. For tokens, in another terminal:\n"
            "  export TODO_JWT_SECRET=%s\n  %s token <user id> [--admin]",
            secret,
            invoked_as(),
        )
    else:
        logger.info(
            "Authentication on: tokens signed with TODO_JWT_SECRET (%s token)", invoked_as()
        )
    return dataclasses.replace(configured, auth="jwt", jwt_secret=secret)


@contextmanager
def _listening(host: str, port: int) -> Iterator[socket.socket]:
    """The server's socket, bound before anything starts or is announced, so a port in use
    is one line rather than a banner, then a failure."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            hint = (
                "; is another server there? Choose another with --port"
                if exc.errno == EADDRINUSE
                else ""
            )
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}{hint}") from None
        sock.listen(2048)  # uvicorn's backlog; from here on, connections wait to be served
        yield sock


def _with_graphiql(served: Settings) -> Settings:
    """Settings whose GraphiQL has its files: packaged, at the asset URL, or fetched once from
    the npm registry into the user's cache (the one time `serve` needs the internet)."""
    if served.graphiql_assets_url or graphiql_assets.complete(graphiql_assets.PACKAGED):
        return served
    directory = Path(served.graphiql_assets_dir or graphiql_fetch.cache_dir(os.environ))
    if not graphiql_assets.complete(directory):
        logger.info("Fetching GraphiQL's pinned files from the npm registry into %s", directory)
    try:
        graphiql_fetch.fetch(directory)
    except graphiql_fetch.AssetError as exc:
        logger.warning("GraphiQL's files are missing (%s); its page will say so.", exc)
    return dataclasses.replace(served, graphiql_assets_dir=str(directory))


@contextmanager
def _dynamodb(configured: Settings, *, create: bool) -> Iterator[tuple[Settings, bool]]:
    """The settings to serve with, and whether they point at an embedded DynamoDB."""
    if configured.dynamodb_endpoint:
        local = placeholder_credentials(configured)
        with refusals(configured):
            client = dynamodb_client(configured, local_credentials=local)
        if create:
            create_tables(client, configured)
        else:
            require_table(
                client,
                configured,
                configured.table_name,
                "add --create-table, or name another with TODO_TABLE_NAME",
            )
        logger.info("DynamoDB at %s, table %r", configured.dynamodb_endpoint, configured.table_name)
        yield configured, local
        return
    with embedded_dynamodb() as endpoint:
        embedded = dataclasses.replace(configured, dynamodb_endpoint=endpoint)
        create_tables(dynamodb_client(embedded, local_credentials=True), embedded)
        logger.info(
            "Embedded DynamoDB (moto, in memory: data ends with the server) at %s", endpoint
        )
        yield embedded, True
