"""The Lambda entry point: `graphql_api.handler.handler`.

Everything is built once per cold start; warm invocations reuse the client, the app and the
schema's caches.
"""

from __future__ import annotations

import os

from mangum import Mangum
from starlette.types import ASGIApp, Receive, Scope, Send

from graphql_api.blocking import inline
from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings
from graphql_api.request_log import configure_logging


class StagePrefix:
    """Serve `/prod/todo` as `/todo` where API Gateway keeps the stage in the path.

    An HTTP API's named stage arrives in `rawPath` (a REST API's `path` has none); the stage
    becomes the ASGI `root_path`, which Starlette's routing takes off.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            stage = scope.get("aws.event", {}).get("requestContext", {}).get("stage")
            prefix = f"/{stage}"
            path: str = scope["path"]
            if stage and stage != "$default" and path.startswith(prefix + "/"):
                scope = {**scope, "root_path": prefix}
        await self.app(scope, receive, send)


_settings = Settings.from_env(os.environ)
configure_logging(_settings.log_level)
# One request at a time per instance: the service is called inline, with no thread hop.
_app = build_app(_settings, dynamodb_client(_settings), run=inline)
handler = Mangum(StagePrefix(_app), lifespan="off")
