"""The Lambda entry point: `graphql_api.handler.handler`.

Everything is built once per cold start; warm invocations reuse the client, the app and the
schema's caches.
"""

from __future__ import annotations

import os

from mangum import Mangum

from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings

_settings = Settings.from_env(os.environ)
handler = Mangum(build_app(_settings, dynamodb_client(_settings)), lifespan="off")
