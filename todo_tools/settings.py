"""The settings a command runs with: the service's own, from the environment, with the
command line's DynamoDB endpoint over them."""

from __future__ import annotations

import argparse
import dataclasses
import os

from graphql_api.config import Settings, base_url
from graphql_api.request_log import configure_logging
from todo_tools.console import human_logs

LOCAL = "http://localhost:8001"
ENDPOINT_HELP = "the DynamoDB to use (default: DYNAMODB_ENDPOINT_URL, else AWS's)"


def add_endpoint_option(parser: argparse.ArgumentParser, help: str = ENDPOINT_HELP) -> None:
    parser.add_argument("--dynamodb-endpoint", metavar="URL", help=help)


def load(args: argparse.Namespace) -> Settings:
    """The settings, with logging configured as they say; ConfigError when they are unusable."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level, text=human_logs(os.environ))
    endpoint = getattr(args, "dynamodb_endpoint", None)
    if endpoint:
        endpoint = base_url(endpoint, "--dynamodb-endpoint", LOCAL)
        settings = dataclasses.replace(settings, dynamodb_endpoint=endpoint)
    return settings
