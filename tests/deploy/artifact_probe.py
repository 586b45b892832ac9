"""Run inside the Lambda runtime's interpreter, with only an unpacked artifact on `sys.path`:
import the handler as Lambda does, pass it the events read from stdin, and print what happened.

`python3.X -I -S artifact_probe.py ARTIFACT < events.json` prints one JSON object: the
responses, the artifact's modules the import system compiled from source (it does so only where
no valid bytecode sits beside the source), the modules imported
from the artifact with the bytecode each names, and the artifact's files the run opened.

Standard library only, and no `tests` import: this runs where the project's test tree and its
virtual environment are not on the path.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import sys
from typing import Any


class Context:
    """The attributes of Lambda's context object that the handler and Mangum read."""

    function_name = "todo-api"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:todo-api"
    memory_limit_in_mb = 1024
    aws_request_id = "5b2c2f4e-8d5a-4c1b-9d3e-0f1a2b3c4d5e"
    log_group_name = "/aws/lambda/todo-api"
    log_stream_name = "2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def main(artifact: str) -> None:
    root = os.path.realpath(artifact) + os.sep
    compiled: list[str] = []
    opened: set[str] = set()

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and isinstance(args[0], str):
            path = os.path.realpath(args[0])
            if path.startswith(root):
                opened.add(path[len(root) :])

    _record_compiles(compiled)
    events = json.load(sys.stdin)
    sys.path.insert(0, root)  # where Lambda puts /var/task
    sys.addaudithook(audit)
    handler = importlib.import_module("graphql_api.handler").handler
    responses = [handler(event, Context()) for event in events]
    json.dump(
        {
            "responses": responses,
            "compiled": compiled,
            "modules": _artifact_modules(root),
            "opened": sorted(opened),
        },
        sys.stdout,
    )


def _record_compiles(compiled: list[str]) -> None:
    """Note each source the import system compiles. Not the audit hook's `compile` event: some
    libraries parse their own source at import (anyio reads its `TYPE_CHECKING` imports), which
    says nothing about the bytecode."""
    loader = importlib.machinery.SourceFileLoader
    original = loader.source_to_code

    def source_to_code(self: Any, data: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(path))
        return original(self, data, path, *args, **kwargs)

    loader.source_to_code = source_to_code  # type: ignore[method-assign]


def _artifact_modules(root: str) -> dict[str, str | None]:
    """Each module imported from the artifact's Python files, sources or sourceless bytecode,
    and the bytecode its spec names (a sourceless module's own file)."""
    return {
        name: module.__spec__.cached
        for name, module in list(sys.modules.items())
        if module.__spec__ is not None
        and (module.__spec__.origin or "").startswith(root)
        and (module.__spec__.origin or "").endswith((".py", ".pyc"))
    }


if __name__ == "__main__":
    main(sys.argv[1])
