"""`todo-api create-table`: the todo and records tables where settings point."""

from __future__ import annotations

import argparse

from todo_tools import settings
from todo_tools.dynamodb import connect, create_tables

HELP = "create the todo and records tables where settings point"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    settings.add_endpoint_option(parser)


def run(args: argparse.Namespace) -> int:
    configured = settings.load(args)
    create_tables(connect(configured), configured)
    return 0
