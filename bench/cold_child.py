"""One cold start, in a fresh interpreter: `python -S -B cold_child.py MODE EVENTS_JSON`.

The benchmark copies this file, `fake_dynamodb.py` and `plain_handler.py` into an empty
directory and runs it with nothing but the code under test on `PYTHONPATH`. MODE is `floor`
(import boto3 and create a DynamoDB client, as issue 9 defines it), `botocore` (the same with
botocore alone, which is what the service imports), `stack` (the botocore client, then the
imports any app on this project's stack needs: graphql-core, Strawberry, Starlette's app and
routing, Mangum; nothing of ours), `plain` (the no-framework handler) or `ours`
(`graphql_api.handler`). It prints a line when
the handler is imported (`init`), after the first request (`first`) and after the second
(`second`), each with the peak RSS in KiB so far; the parent times the lines as they arrive.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys


class _Context:
    aws_request_id = "5b2c2f4e-8d5a-4c1b-9d3e-0f1a2b3c4d5e"
    function_name = "todo-api"
    memory_limit_in_mb = 1024

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


_STACK = ("graphql", "strawberry", "starlette.applications", "starlette.routing", "mangum")


def _say(stage: str) -> None:
    print(stage, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)


def main() -> None:
    mode, events_path = sys.argv[1], sys.argv[2]
    if mode in ("floor", "botocore", "stack"):
        if mode == "floor":
            importlib.import_module("boto3").client("dynamodb")
        else:
            importlib.import_module("botocore.session").get_session().create_client("dynamodb")
        if mode == "stack":
            for name in _STACK:
                importlib.import_module(name)
        _say("init")
        return
    module = "plain_handler" if mode == "plain" else "graphql_api.handler"
    handler = importlib.import_module(module).handler
    _say("init")
    import fake_dynamodb  # type: ignore[import-not-found,unused-ignore]

    fake = fake_dynamodb.install()
    with open(events_path, encoding="utf-8") as file:
        events = json.load(file)
    fake.put(fake_dynamodb.todo_item(events["id"]))
    for stage in ("first", "second"):
        response = handler(events[mode if mode == "plain" else stage], _Context())
        assert response["statusCode"] == 200, response
        _say(stage)


if __name__ == "__main__":
    main()
