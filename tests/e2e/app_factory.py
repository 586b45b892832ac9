"""`app()`: the app as a composition root builds it from the environment, for tests that run
it in a process of its own (`python -m uvicorn tests.e2e.app_factory:app --factory`)."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from graphql_api.compose import build_app, dynamodb_client
from graphql_api.config import Settings


def app() -> Starlette:
    settings = Settings.from_env(os.environ)
    return build_app(settings, dynamodb_client(settings, local_credentials=True))
