"""`todo-api export-schema`: the GraphQL schema's SDL, as `schema.graphql` holds it."""

from __future__ import annotations

import argparse
import sys

HELP = "print the GraphQL schema (SDL)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="FILE", help="write it to FILE instead")


def run(args: argparse.Namespace) -> int:
    from graphql_api.gql.schema import schema  # the one command that builds the schema

    sdl = schema.as_str() + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(sdl)
    else:
        sys.stdout.write(sdl)
    return 0
