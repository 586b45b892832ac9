"""The Lambda entry point: `graphql_api.handler.handler`.

Everything is built once per cold start; warm invocations reuse the client, the app and the
schema's caches.
"""

from __future__ import annotations

import gc

# A cold start makes some 80,000 objects that live as long as the instance: collecting while
# they are made frees nothing and took 15-18 % of the import (timed with gc.callbacks). Once
# built they are frozen out of the collector, whose full collections would otherwise walk
# them all, tens of milliseconds at a time, during warm requests.
gc.disable()

import os  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from typing import Any  # noqa: E402

from mangum import Mangum  # noqa: E402
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES  # noqa: E402
from starlette.types import ASGIApp, Receive, Scope, Send  # noqa: E402

from graphql_api.blocking import inline  # noqa: E402
from graphql_api.compose import build_app, dynamodb_client  # noqa: E402
from graphql_api.config import Settings  # noqa: E402
from graphql_api.request_log import configure_logging  # noqa: E402
from graphql_api.snapstart import register_hooks  # noqa: E402


class StagePrefix:
    """Serve `/prod/todo` as `/todo` where API Gateway keeps the stage in the path; the stage
    becomes the ASGI `root_path`, which Starlette's routing takes off."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            prefix = _stage_in_path(scope.get("aws.event", {}))
            path: str = scope["path"]
            if prefix and path.startswith(prefix + "/"):
                scope = {**scope, "root_path": prefix}
        await self.app(scope, receive, send)


def _stage_in_path(event: Mapping[str, Any]) -> str | None:
    """`/<stage>` where the event's path carries it: a named stage called at the API's own
    endpoint, which puts the stage first in the URL. A custom domain's API mapping names the
    stage instead, so its paths never carry it; nor does a REST API's `path`, unless it is
    its `requestContext.path` (which keeps the stage), as some setups send. Elsewhere a stage
    named `todo` is no prefix of `/todo/{id}`."""
    context = event.get("requestContext") or {}
    stage, domain = context.get("stage"), str(context.get("domainName") or "")
    if not stage or stage == "$default":
        return None
    if not domain.startswith(f"{context.get('apiId')}.execute-api."):
        return None
    if event.get("version") != "2.0" and event.get("path") != context.get("path"):
        return None
    return f"/{stage}"


# Mangum base64-encodes every other type, a third larger in Lambda's payload; GraphQL over
# HTTP's own media type is JSON text.
_TEXT_TYPES = [*DEFAULT_TEXT_MIME_TYPES, "application/graphql-response+json"]


def _handler() -> Mangum:
    try:
        settings = Settings.from_env(os.environ)
        configure_logging(settings.log_level)
        client = dynamodb_client(settings)
        register_hooks(client)
        # One request at a time per instance: the service is called inline, with no thread hop.
        app = build_app(settings, client, run=inline)
        return Mangum(StagePrefix(app), lifespan="off", text_mime_types=_TEXT_TYPES)
    finally:
        gc.freeze()
        gc.enable()


handler = _handler()
