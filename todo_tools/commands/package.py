"""`todo-api package`: the Lambda artifact (see `todo_tools.packaging`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from todo_tools import packaging
from todo_tools.console import CommandError, logger

HELP = "build the Lambda artifact: the package and its runtime dependencies"


def add_arguments(package: argparse.ArgumentParser) -> None:
    package.add_argument("--output", metavar="DIR", default="build/lambda", help="where to")
    package.add_argument(
        "--platform",
        default=packaging.LAMBDA_PLATFORM,
        help="the wheels' platform (the template's arm64 by default)",
    )
    package.add_argument(
        "--python",
        metavar="PATH",
        help=f"the Python {packaging.LAMBDA_PYTHON} that compiles the bytecode (default: found "
        "on PATH or under pyenv)",
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


def run(args: argparse.Namespace) -> int:
    try:
        artifact = packaging.build(
            Path(args.output),
            platform=args.platform,
            python=args.python,
            jwks=args.jwks,
            graphiql=not args.without_graphiql,
        )
    except packaging.PackagingError as exc:
        raise CommandError(str(exc)) from None
    logger.info("%s", packaging.report(artifact, args.platform))
    return 0
