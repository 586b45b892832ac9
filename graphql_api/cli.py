"""The `todo-api` command: the local server (with an embedded DynamoDB), tables, the schema."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from graphql_api.blocking import in_thread
from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import ConfigError, Settings
from graphql_api.repository.legacy_copy import CopyReport, copy_legacy_table
from graphql_api.repository.table import create_table
from graphql_api.request_log import configure_logging

logger = logging.getLogger("graphql_api.cli")

# What template.yaml names (Runtime python3.14, Architectures arm64); a test holds them equal.
LAMBDA_PYTHON = "3.14"
LAMBDA_PLATFORM = "manylinux2014_aarch64"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _console()
    if args.command == "export-schema":
        return _export_schema(args.output)
    if args.command == "package":
        return _package(Path(args.output))
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        logger.error("todo-api: %s", exc)
        return 2
    configure_logging(settings.log_level)
    if args.command == "token":
        return _token(settings, args.subject, admin=args.admin, expires_s=args.expires)
    if args.dynamodb_endpoint:
        settings = dataclasses.replace(settings, dynamodb_endpoint=args.dynamodb_endpoint)
    if args.command == "create-table":
        return _create_table(settings, local_credentials=False)
    if args.command == "copy-legacy-table":
        return _copy_legacy_table(settings, args.source, args.resume)
    try:
        return _serve(settings, args)
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down: stop, without a traceback
        return 130


def _console() -> None:
    """Plain lines for what the command tells its user; everything else logs JSON."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API locally with GraphiQL")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--dynamodb-endpoint",
        metavar="URL",
        help="use this DynamoDB (DynamoDB Local, LocalStack, a region's endpoint) instead of "
        "starting an embedded one",
    )
    serve.add_argument(
        "--create-table",
        action="store_true",
        help="with --dynamodb-endpoint: create the table if it does not exist",
    )
    serve.add_argument(
        "--auth",
        action="store_true",
        help="require a bearer token (HS256 with TODO_JWT_SECRET, or a fresh secret it prints)",
    )
    token = commands.add_parser(
        "token", help="print a bearer token for `serve --auth` (signed with TODO_JWT_SECRET)"
    )
    token.add_argument("subject", metavar="SUB", help="the user id the token speaks for")
    token.add_argument("--admin", action="store_true", help="make the user an admin")
    token.add_argument(
        "--expires", metavar="SECONDS", type=_positive, default=3_600, help="default: 3600"
    )
    table = commands.add_parser("create-table", help="create the table where settings point")
    table.add_argument("--dynamodb-endpoint", metavar="URL")
    copy = commands.add_parser(
        "copy-legacy-table",
        help="copy every item of a legacy table (userId/dateCreated keys) into ours",
    )
    copy.add_argument("source", help="the legacy table's name")
    copy.add_argument("--resume", metavar="TOKEN", help="carry on where a run stopped")
    copy.add_argument("--dynamodb-endpoint", metavar="URL")
    package = commands.add_parser(
        "package", help="build the Lambda artifact: the package and its runtime dependencies"
    )
    package.add_argument("--output", metavar="DIR", default="build/lambda")
    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--output", metavar="FILE", help="write it to FILE instead")
    return parser


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _token(settings: Settings, subject: str, *, admin: bool, expires_s: int) -> int:
    from graphql_api.tokens import issue

    if settings.jwt_secret is None:
        logger.error("todo-api: set TODO_JWT_SECRET to the secret `serve --auth` uses")
        return 2
    extra = {settings.admin_claim: [settings.admin_group]} if admin else None
    sys.stdout.write(issue(settings.jwt_secret, subject, expires_s=expires_s, extra=extra) + "\n")
    return 0


def _with_auth(settings: Settings) -> Settings:
    """Settings for `serve --auth`: tokens verified with TODO_JWT_SECRET, or a fresh secret."""
    secret = settings.jwt_secret
    if secret is None:
        secret = secrets.token_urlsafe(32)
        logger.info(
            "Authentication on, with a fresh secret. For tokens, in another terminal:\n"
            "  export TODO_JWT_SECRET=%s\n  todo-api token <user id> [--admin]",
            secret,
        )
    else:
        logger.info("Authentication on: tokens signed with TODO_JWT_SECRET (todo-api token)")
    return dataclasses.replace(settings, auth="jwt", jwt_secret=secret)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # a local-only dependency, kept out of the Lambda import path

    if args.auth:
        settings = _with_auth(settings)

    with _dynamodb(settings, create=args.create_table) as (settings, local):
        app = build_app(settings, dynamodb_client(settings, local_credentials=local), run=in_thread)
        logger.info("GraphiQL: http://%s:%d/graphiql", args.host, args.port)
        # No access log: the app writes its own line per request. No log config: uvicorn's
        # lines go through the JSON logging set up above. No lifespan: the app has none, as
        # on Lambda, and a second Ctrl-C would otherwise log a cancelled lifespan task.
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            access_log=False,
            log_config=None,
            lifespan="off",
        )
    return 0


@contextmanager
def _dynamodb(settings: Settings, *, create: bool) -> Iterator[tuple[Settings, bool]]:
    """The settings to serve with, and whether they point at an embedded DynamoDB."""
    if settings.dynamodb_endpoint:
        if create:
            _create_table(settings, local_credentials=False)
        logger.info("DynamoDB at %s, table %r", settings.dynamodb_endpoint, settings.table_name)
        yield settings, False
        return
    with _embedded_dynamodb() as endpoint:
        settings = dataclasses.replace(settings, dynamodb_endpoint=endpoint)
        _create_table(settings, local_credentials=True)
        logger.info(
            "Embedded DynamoDB (moto, in memory: data ends with the server) at %s", endpoint
        )
        yield settings, True


@contextmanager
def _embedded_dynamodb() -> Iterator[str]:
    from moto.server import ThreadedMotoServer  # local-only, like uvicorn

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per DynamoDB call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _create_table(settings: Settings, *, local_credentials: bool) -> int:
    client = dynamodb_client(settings, local_credentials=local_credentials)
    created = create_table(client, settings.table_name)
    logger.info("Table %r %s", settings.table_name, "created" if created else "already exists")
    return 0


def _copy_legacy_table(settings: Settings, source: str, resume: str | None) -> int:
    client = dynamodb_client(settings)
    report = CopyReport()
    try:
        for report in copy_legacy_table(client, source, settings.table_name, resume=resume):
            if report.resume:
                logger.info(
                    "%d copied, %d already there so far; to resume: --resume %s",
                    report.copied,
                    report.skipped,
                    report.resume,
                )
    except ValueError as exc:
        logger.error("todo-api: %s", exc)
        return 2
    logger.info(
        "Done: %d copied, %d already there (skipped), %d without an id (not copyable)",
        report.copied,
        report.skipped,
        report.without_id,
    )
    return 0


def _package(output: Path) -> int:
    """Install the project with only its runtime dependencies, as wheels for the template's
    runtime and architecture, into `output`; report its size."""
    source = Path(__file__).resolve().parents[1]
    if not (source / "pyproject.toml").is_file():
        logger.error("todo-api: package builds from a source checkout of this project")
        return 2
    shutil.rmtree(output, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(output),
            "--platform",
            LAMBDA_PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            LAMBDA_PYTHON,
            "--only-binary=:all:",
            str(source),
        ],
        check=True,
    )
    shutil.rmtree(output / "bin", ignore_errors=True)  # console scripts: useless on Lambda
    files = [path for path in output.rglob("*") if path.is_file()]
    unpacked = sum(path.stat().st_size for path in files)
    logger.info(
        "%s: %d files, %.1f MB unpacked, %.1f MB zipped, for Python %s on %s",
        output,
        len(files),
        unpacked / 1e6,
        _zipped_size(output, files) / 1e6,
        LAMBDA_PYTHON,
        LAMBDA_PLATFORM,
    )
    return 0


def _zipped_size(root: Path, files: list[Path]) -> int:
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                zipped.write(path, path.relative_to(root))
        return archive.tell()


def _export_schema(output: str | None) -> int:
    from graphql_api.gql.schema import schema

    sdl = schema.as_str() + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(sdl)
    else:
        sys.stdout.write(sdl)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
