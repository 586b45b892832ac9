"""`todo-api register-operations`: a client build's operations, trusted (see
`todo_tools.manifest`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from graphql_api.errors import ServiceUnavailable
from graphql_api.gql.engine import create_engine
from graphql_api.repository.dynamodb_documents import DynamoDBDocumentStore
from todo_tools import settings
from todo_tools.console import logger
from todo_tools.dynamodb import connect
from todo_tools.manifest import ManifestError, read_manifest

HELP = (
    "register a client build's operations as trusted (a persisted query manifest: "
    "Apollo's, or GraphQL Codegen's persisted-documents.json)"
)


def add_arguments(register: argparse.ArgumentParser) -> None:
    register.add_argument("manifest", metavar="MANIFEST", help="the manifest's path")
    settings.add_endpoint_option(register)


def run(args: argparse.Namespace) -> int:
    configured = settings.load(args)
    manifest = Path(args.manifest)
    try:
        documents = read_manifest(manifest.read_text(encoding="utf-8"), create_engine(configured))
    except (OSError, UnicodeDecodeError, ManifestError) as exc:
        logger.error("todo-api: %s: nothing registered:\n%s", manifest, exc)
        return 2
    client = connect(configured)
    try:
        DynamoDBDocumentStore(client, configured.records_table).trust(documents)
    except (BotoCoreError, ClientError, ServiceUnavailable) as exc:
        logger.error("todo-api: could not register in table %r: %s", configured.records_table, exc)
        return 1
    names = ", ".join(sorted({d.name or d.sha256[:12] for d in documents}))
    count = f"{len(documents)} operation{'' if len(documents) == 1 else 's'}"
    logger.info("Registered %s in %r: %s", count, configured.records_table, names)
    return 0
