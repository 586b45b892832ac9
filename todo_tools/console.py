"""What a command tells its user, and how it refuses a mistake in the user's set-up."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

logger = logging.getLogger("todo_tools")


class CommandError(Exception):
    """A mistake in the user's set-up (a port in use, no credentials, no table): one line on
    stderr and exit status 2, never a traceback."""


def console() -> None:
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


def human_logs(env: Mapping[str, str]) -> bool:
    """Readable lines in a terminal; JSON where a machine reads them (a pipe, a file, a log
    collector), as on Lambda. LOG_FORMAT=text or json decides instead."""
    chosen = env.get("LOG_FORMAT", "").strip().lower()
    if chosen not in ("", "text", "json"):
        raise CommandError(f"LOG_FORMAT must be text or json, not {env['LOG_FORMAT']!r}")
    return chosen == "text" or (not chosen and sys.stderr.isatty())


def invoked_as() -> str:
    """The command as the user typed it (`.venv/bin/todo-api` outside an activated venv), so
    a hint can be pasted as it is."""
    typed = sys.argv[0]
    return typed if os.sep in typed and os.path.basename(typed) == "todo-api" else "todo-api"
