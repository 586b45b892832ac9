"""The `todo-api` command: the local server (with an embedded DynamoDB), tables, the schema."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import secrets
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from errno import EADDRINUSE
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from graphql_api import graphiql_assets
from graphql_api.blocking import in_thread
from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import ConfigError, Settings, base_url
from graphql_api.packaging import LAMBDA_PLATFORM, LAMBDA_PYTHON
from graphql_api.repository.legacy_copy import CopyReport, Problem, copy_legacy_table
from graphql_api.repository.table import create_records_table, create_table
from graphql_api.request_log import configure_logging

logger = logging.getLogger("graphql_api.cli")

_LOCAL = "http://localhost:8001"
_ENDPOINT_HELP = "the DynamoDB to use (default: DYNAMODB_ENDPOINT_URL, else AWS's)"


class CommandError(Exception):
    """A mistake in the user's set-up (a port in use, no credentials, no table): one line on
    stderr and exit status 2, never a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _console()
    try:
        return _main(args)
    except (CommandError, ConfigError) as exc:
        logger.error("todo-api: %s", exc)
        return 2


def _main(args: argparse.Namespace) -> int:
    if args.command == "export-schema":
        return _export_schema(args.output)
    if args.command == "package":
        return _package(args)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        logger.error("todo-api: %s", exc)
        return 2
    configure_logging(settings.log_level, text=_human_logs(os.environ))
    if args.command == "token":
        return _token(settings, args.subject, admin=args.admin, expires_s=args.expires)
    if args.dynamodb_endpoint:
        endpoint = base_url(args.dynamodb_endpoint, "--dynamodb-endpoint", _LOCAL)
        settings = dataclasses.replace(settings, dynamodb_endpoint=endpoint)
    if args.command in ("create-table", "copy-legacy-table", "register-operations"):
        return _table_command(settings, args)
    try:
        return _serve(settings, args)
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down: stop, without a traceback
        return 130


def _table_command(settings: Settings, args: argparse.Namespace) -> int:
    url = settings.dynamodb_endpoint
    local = url is not None and _placeholder_credentials(url)
    if args.command == "create-table":
        return _create_table(settings, local_credentials=local)
    if args.command == "copy-legacy-table":
        return _copy_legacy_table(
            settings, args.source, args.resume, dry_run=args.dry_run, local_credentials=local
        )
    return _register_operations(settings, Path(args.manifest), local_credentials=local)


def _console() -> None:
    """Plain lines for what the command tells its user: what it made or where it runs on
    stdout, as a command's output; its refusals on stderr, with the logs."""
    if not logger.handlers:
        out = logging.StreamHandler(sys.stdout)
        out.addFilter(lambda record: record.levelno < logging.WARNING)
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        for handler in (out, err):
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _human_logs(env: Mapping[str, str]) -> bool:
    """Readable lines in a terminal; JSON where a machine reads them (a pipe, a file, a log
    collector), as on Lambda. LOG_FORMAT=text or json decides instead."""
    chosen = env.get("LOG_FORMAT", "").strip().lower()
    if chosen not in ("", "text", "json"):
        raise CommandError(f"LOG_FORMAT must be text or json, not {env['LOG_FORMAT']!r}")
    return chosen == "text" or (not chosen and sys.stderr.isatty())


class _HelpWithDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """Help that names each option's default where there is one to name."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False):
            return action.help or ""
        return super()._get_help_string(action) or ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="todo-api", description=__doc__, formatter_class=_HelpWithDefaults
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('graphql-api')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help, description=help, formatter_class=_HelpWithDefaults
        )

    _serve_options(command("serve", "run the API locally with GraphiQL"))
    _token_options(
        command("token", "print a bearer token for `serve --auth` (signed with TODO_JWT_SECRET)")
    )
    table = command("create-table", "create the todo and records tables where settings point")
    table.add_argument("--dynamodb-endpoint", metavar="URL", help=_ENDPOINT_HELP)
    _copy_options(
        command(
            "copy-legacy-table",
            "copy every item of a legacy table (userId/dateCreated keys) into ours",
        )
    )
    register = command(
        "register-operations",
        "register a client build's operations as trusted (a persisted query manifest: "
        "Apollo's, or GraphQL Codegen's persisted-documents.json)",
    )
    register.add_argument("manifest", metavar="MANIFEST", help="the manifest's path")
    register.add_argument("--dynamodb-endpoint", metavar="URL", help=_ENDPOINT_HELP)
    _package_options(
        command("package", "build the Lambda artifact: the package and its runtime dependencies")
    )
    export = command("export-schema", "print the GraphQL schema (SDL)")
    export.add_argument("--output", metavar="FILE", help="write it to FILE instead")
    return parser


def _serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="the port to listen on")
    serve.add_argument(
        "--dynamodb-endpoint",
        metavar="URL",
        help="use this DynamoDB (DynamoDB Local, LocalStack, a region's endpoint) instead of "
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


def _token_options(token: argparse.ArgumentParser) -> None:
    token.add_argument("subject", metavar="SUB", help="the user id the token speaks for")
    token.add_argument("--admin", action="store_true", help="make the user an admin")
    token.add_argument(
        "--expires", metavar="SECONDS", type=_positive, default=3_600, help="its lifetime"
    )


def _copy_options(copy: argparse.ArgumentParser) -> None:
    copy.add_argument("source", help="the legacy table's name")
    copy.add_argument("--resume", metavar="TOKEN", help="carry on where a run stopped")
    copy.add_argument(
        "--dry-run", action="store_true", help="report what a copy would do; write nothing"
    )
    copy.add_argument("--dynamodb-endpoint", metavar="URL", help=_ENDPOINT_HELP)


def _package_options(package: argparse.ArgumentParser) -> None:
    package.add_argument("--output", metavar="DIR", default="build/lambda", help="where to")
    package.add_argument(
        "--platform",
        default=LAMBDA_PLATFORM,
        help="the wheels' platform (the template's arm64 by default)",
    )
    package.add_argument(
        "--python",
        metavar="PATH",
        help=f"the Python {LAMBDA_PYTHON} that compiles the bytecode (default: found on PATH "
        "or under pyenv)",
    )
    package.add_argument(
        "--jwks",
        action="store_true",
        help="keep the cryptography library, for a function that verifies an issuer's tokens "
        "itself (TODO_JWT_ISSUER)",
    )
    package.add_argument(
        "--without-graphiql",
        action="store_true",
        help="ship no GraphiQL files (its page then says so, or set TODO_GRAPHIQL_ASSETS_URL)",
    )


def _port(raw: str) -> int:
    if not raw.isdecimal() or not 0 <= int(raw) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number, 0 to 65535, not {raw!r}")
    return int(raw)


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


def _invoked_as() -> str:
    """The command as the user typed it (`.venv/bin/todo-api` outside an activated venv), so
    a hint can be pasted as it is."""
    typed = sys.argv[0]
    return typed if os.sep in typed and os.path.basename(typed) == "todo-api" else "todo-api"


def _with_auth(settings: Settings) -> Settings:
    """Settings for `serve --auth`: tokens verified with TODO_JWT_SECRET, or a fresh secret."""
    secret = settings.jwt_secret
    if secret is None:
        secret = secrets.token_urlsafe(32)
        logger.info(
            "Authentication on, with a fresh secret. For tokens, in another terminal:\n"
            "  export TODO_JWT_SECRET=%s\n  %s token <user id> [--admin]",
            secret,
            _invoked_as(),
        )
    else:
        logger.info(
            "Authentication on: tokens signed with TODO_JWT_SECRET (%s token)", _invoked_as()
        )
    return dataclasses.replace(settings, auth="jwt", jwt_secret=secret)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # a local-only dependency, kept out of the Lambda import path

    with (
        _listening(args.host, args.port) as sock,
        _dynamodb(_with_auth(settings) if args.auth else settings, create=args.create_table) as (
            settings,
            local,
        ),
    ):
        settings = _with_graphiql(settings)
        client = dynamodb_client(settings, local_credentials=local)
        app = build_app(settings, client, run=in_thread)
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


def _with_graphiql(settings: Settings) -> Settings:
    """Settings whose GraphiQL has its files: packaged, at the asset URL, or fetched once from
    the npm registry into the user's cache (the one time `serve` needs the internet)."""
    if settings.graphiql_assets_url or graphiql_assets.complete(graphiql_assets.PACKAGED):
        return settings
    directory = Path(settings.graphiql_assets_dir or graphiql_assets.cache_dir(os.environ))
    if not graphiql_assets.complete(directory):
        logger.info("Fetching GraphiQL's pinned files from the npm registry into %s", directory)
    try:
        graphiql_assets.fetch(directory)
    except graphiql_assets.AssetError as exc:
        logger.warning("GraphiQL's files are missing (%s); its page will say so.", exc)
    return dataclasses.replace(settings, graphiql_assets_dir=str(directory))


@contextmanager
def _dynamodb(settings: Settings, *, create: bool) -> Iterator[tuple[Settings, bool]]:
    """The settings to serve with, and whether they point at an embedded DynamoDB."""
    if settings.dynamodb_endpoint:
        local = _placeholder_credentials(settings.dynamodb_endpoint)
        if create:
            _create_table(settings, local_credentials=local)
        else:
            _check_table(settings, local_credentials=local)
        logger.info("DynamoDB at %s, table %r", settings.dynamodb_endpoint, settings.table_name)
        yield settings, local
        return
    with embedded_dynamodb() as endpoint:
        settings = dataclasses.replace(settings, dynamodb_endpoint=endpoint)
        _create_table(settings, local_credentials=True)
        logger.info(
            "Embedded DynamoDB (moto, in memory: data ends with the server) at %s", endpoint
        )
        yield settings, True


@contextmanager
def embedded_dynamodb() -> Iterator[str]:
    """moto's DynamoDB as an HTTP server on a free loopback port (`serve`'s default, and what
    the tests and benchmarks start the same way); its URL."""
    from moto.server import ThreadedMotoServer  # local-only, like uvicorn

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per DynamoDB call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _placeholder_credentials(endpoint: str) -> bool:
    """Whether to sign with placeholder keys: where none are configured and the DynamoDB is on
    this machine (DynamoDB Local, LocalStack), which accepts any. Configured keys are kept:
    DynamoDB Local keeps one database per access key."""
    try:
        configured = botocore.session.get_session().get_credentials() is not None
    except BotoCoreError as exc:  # e.g. an AWS_PROFILE that does not exist
        raise CommandError(str(exc)) from None
    if configured:
        return False
    if urlsplit(endpoint).hostname in ("localhost", "127.0.0.1", "::1"):
        logger.info("No AWS credentials configured: signing with placeholder keys")
        return True
    raise CommandError(
        f"no AWS credentials to call {endpoint} with: run `aws configure`, or set AWS_PROFILE, "
        "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (DynamoDB Local accepts any)"
    )


@contextmanager
def _dynamodb_refusals(settings: Settings) -> Iterator[None]:
    """DynamoDB's refusals of the user's set-up (unreachable, bad keys) as one line."""
    try:
        yield
    except (BotoCoreError, ClientError, ValueError) as exc:  # ValueError: an unusable region
        where = settings.dynamodb_endpoint or f"AWS ({settings.region})"
        raise CommandError(f"DynamoDB at {where}: {exc}") from None


def _check_table(settings: Settings, *, local_credentials: bool) -> None:
    with _dynamodb_refusals(settings):
        client = dynamodb_client(settings, local_credentials=local_credentials)
        try:
            client.describe_table(TableName=settings.table_name)
        except client.exceptions.ResourceNotFoundException:
            raise CommandError(
                f"no table {settings.table_name!r} at {settings.dynamodb_endpoint}: add "
                "--create-table, or name another with TODO_TABLE_NAME"
            ) from None


def _create_table(settings: Settings, *, local_credentials: bool) -> int:
    with _dynamodb_refusals(settings):
        client = dynamodb_client(settings, local_credentials=local_credentials)
        for name, create in (
            (settings.table_name, create_table),
            (settings.records_table, create_records_table),
        ):
            created = create(client, name)
            logger.info("Table %r %s", name, "created" if created else "already exists")
    return 0


def _copy_legacy_table(
    settings: Settings,
    source: str,
    resume: str | None,
    *,
    dry_run: bool,
    local_credentials: bool,
) -> int:
    """Exit status 0 when every row is in our table, 1 when some could not be copied, 2 for
    a resume token it did not print, 3 when DynamoDB failed (the line says how to carry on)."""
    client = dynamodb_client(settings, local_credentials=local_credentials)
    report = CopyReport()
    pages = copy_legacy_table(client, source, settings.table_name, resume=resume, dry_run=dry_run)
    try:
        for report in pages:
            for problem in report.problems:
                logger.warning("%s", _problem_line(problem))
            if report.resume:
                logger.info("%s so far; to resume: --resume %s", _counts(report), report.resume)
    except ValueError as exc:
        logger.error("todo-api: %s", exc)
        return 2
    except (BotoCoreError, ClientError) as exc:
        token = report.resume or resume
        carry_on = f"--resume {token}" if token else "the same command"
        logger.error("todo-api: the copy stopped: %s. To carry on: %s", exc, carry_on)
        return 3
    logger.info("%s: %s", "Dry run, nothing written" if dry_run else "Done", _counts(report))
    return 1 if report.collisions or report.not_copyable else 0


def _counts(report: CopyReport) -> str:
    return (
        f"{report.copied} copied, {report.already_there} already there, "
        f"{report.collisions} collisions, {report.not_copyable} not copyable"
    )


def _problem_line(problem: Problem) -> str:
    """One row not copied: its legacy key, its id (shortened) and why."""
    shown = problem.todo_id
    if shown is not None and len(shown) > 80:
        shown = f"{shown[:80]}… ({len(shown.encode()):,} bytes)"
    named = f" id {shown!r}" if shown is not None else ""
    return f"Not copied: row {problem.row}{named}: {problem.reason}"


def _register_operations(settings: Settings, manifest: Path, *, local_credentials: bool) -> int:
    from graphql_api.gql.engine import create_engine
    from graphql_api.gql.manifest import ManifestError, read_manifest
    from graphql_api.repository.dynamodb_documents import DynamoDBDocumentStore

    try:
        documents = read_manifest(manifest.read_text(encoding="utf-8"), create_engine(settings))
    except (OSError, UnicodeDecodeError, ManifestError) as exc:
        logger.error("todo-api: %s: nothing registered:\n%s", manifest, exc)
        return 2
    from botocore.exceptions import BotoCoreError, ClientError

    from graphql_api.errors import ServiceUnavailable

    try:
        client = dynamodb_client(settings, local_credentials=local_credentials)
        DynamoDBDocumentStore(client, settings.records_table).trust(documents)
    except (BotoCoreError, ClientError, ServiceUnavailable) as exc:
        logger.error("todo-api: could not register in table %r: %s", settings.records_table, exc)
        return 1
    names = ", ".join(sorted({d.name or d.sha256[:12] for d in documents}))
    logger.info("Registered %d operations in %r: %s", len(documents), settings.records_table, names)
    return 0


def _package(args: argparse.Namespace) -> int:
    from graphql_api import packaging

    try:
        artifact = packaging.build(
            Path(args.output),
            platform=args.platform,
            python=args.python,
            jwks=args.jwks,
            graphiql=not args.without_graphiql,
        )
    except packaging.PackagingError as exc:
        logger.error("todo-api: %s", exc)
        return 2
    logger.info("%s", packaging.report(artifact, args.platform))
    return 0


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
