"""`todo-api token`: a bearer token for a local server under `serve --auth`."""

from __future__ import annotations

import argparse
import sys

from todo_tools import settings
from todo_tools.console import CommandError
from todo_tools.tokens import issue

HELP = "print a bearer token for `serve --auth` (signed with TODO_JWT_SECRET)"


def add_arguments(token: argparse.ArgumentParser) -> None:
    token.add_argument("subject", metavar="SUB", help="the user id the token speaks for")
    token.add_argument("--admin", action="store_true", help="make the user an admin")
    token.add_argument(
        "--expires", metavar="SECONDS", type=_positive, default=3_600, help="its lifetime"
    )


def run(args: argparse.Namespace) -> int:
    configured = settings.load(args)
    if configured.jwt_secret is None:
        raise CommandError("set TODO_JWT_SECRET to the secret `serve --auth` uses")
    if args.expires > configured.jwt_max_lifetime:
        raise CommandError(
            f"--expires {args.expires} is over TODO_JWT_MAX_LIFETIME "
            f"({configured.jwt_max_lifetime} s): the server would refuse the token"
        )
    extra = {configured.admin_claim: [configured.admin_group]} if args.admin else None
    token = issue(configured.jwt_secret, args.subject, expires_s=args.expires, extra=extra)
    sys.stdout.write(token + "\n")
    return 0


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
