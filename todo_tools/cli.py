"""The `todo-api` command: the local server (with an embedded DynamoDB), tables, the schema."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib.metadata import version
from types import ModuleType

from graphql_api.config import ConfigError
from todo_tools.commands import (
    copy_legacy_table,
    create_table,
    export_schema,
    package,
    register_operations,
    serve,
    token,
)
from todo_tools.console import CommandError, console, logger

# In the order `todo-api --help` lists them.
COMMANDS: dict[str, ModuleType] = {
    "serve": serve,
    "token": token,
    "create-table": create_table,
    "copy-legacy-table": copy_legacy_table,
    "register-operations": register_operations,
    "package": package,
    "export-schema": export_schema,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console()
    try:
        status: int = COMMANDS[args.command].run(args)
    except (CommandError, ConfigError) as exc:
        logger.error("todo-api: %s", exc)
        return 2
    return status


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
    for name, command in COMMANDS.items():
        command.add_arguments(
            commands.add_parser(
                name, help=command.HELP, description=command.HELP, formatter_class=_HelpWithDefaults
            )
        )
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
