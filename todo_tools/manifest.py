"""Persisted query manifests: the operations a client build ships, to register as trusted.

Two formats are read:

- Apollo's, from `npx generate-persisted-query-manifest` (@apollo/generate-persisted-query-
  manifest): `{"format": "apollo-persisted-query-manifest", "version": 1, "operations":
  [{"id", "name", "type", "body"}]}`;
- GraphQL Codegen's client preset (`persistedDocuments: {hashAlgorithm: "sha256"}`),
  `persisted-documents.json`: `{"<hash>": "<body>"}`.

Every id must be the SHA-256 of its body (what clients send as `sha256Hash`), and every body
must parse and validate as a request's document would (the engine's limits and rules): a
manifest built for another API, or hashed with codegen's default SHA-1, is refused whole
before anything is written.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse

from graphql_api.bodies import load_json
from graphql_api.gql.engine import Engine
from graphql_api.gql.persisted import sha256_of
from graphql_api.repository.documents import TrustedDocument

APOLLO_FORMAT = "apollo-persisted-query-manifest"


class ManifestError(ValueError):
    """The manifest cannot be registered; the message says why (every problem found)."""


def read_manifest(text: str, engine: Engine) -> list[TrustedDocument]:
    try:
        manifest = load_json(text)
    except ValueError:
        raise ManifestError("the manifest is not valid JSON") from None
    entries = _entries(manifest)
    problems: list[str] = []
    documents = [_document(entry, engine, problems) for entry in entries]
    if problems:
        raise ManifestError("\n".join(problems))
    return documents


def _entries(manifest: Any) -> list[tuple[str, str]]:
    """(id, body) pairs, from either format."""
    if isinstance(manifest, dict) and manifest.get("format") == APOLLO_FORMAT:
        if manifest.get("version") != 1 or not isinstance(manifest.get("operations"), list):
            raise ManifestError(f"an {APOLLO_FORMAT} must be version 1 with operations")
        return [_apollo_entry(operation) for operation in manifest["operations"]]
    if isinstance(manifest, dict) and all(isinstance(v, str) for v in manifest.values()):
        return list(manifest.items())
    raise ManifestError(
        f"not a manifest: expected an {APOLLO_FORMAT} or a GraphQL Codegen "
        "persisted-documents.json ({hash: body})"
    )


def _apollo_entry(operation: Any) -> tuple[str, str]:
    if not isinstance(operation, dict):
        raise ManifestError("every operation must be an object with id and body")
    sha256, body = operation.get("id"), operation.get("body")
    if not isinstance(sha256, str) or not isinstance(body, str):
        raise ManifestError("every operation must have a string id and body")
    return sha256, body


def _document(entry: tuple[str, str], engine: Engine, problems: list[str]) -> TrustedDocument:
    sha256, body = entry
    if sha256.lower() != sha256_of(body):
        problems.append(
            f"{sha256}: not the SHA-256 of its body (GraphQL Codegen: set "
            "persistedDocuments.hashAlgorithm to 'sha256')"
        )
    operation = None
    try:
        operation = _operation(body, engine)
    except GraphQLError as exc:
        problems.append(f"{sha256}: {exc.message}")
    name = operation.name.value if operation and operation.name else None
    kind = operation.operation.value if operation else None
    return TrustedDocument(sha256.lower(), body, name, kind)


def _operation(body: str, engine: Engine) -> OperationDefinitionNode:
    """The document's first operation, once it would pass where a request's does."""
    if problems := engine.problems(body):
        raise GraphQLError("; ".join(problem.message for problem in problems))
    operations = [d for d in parse(body).definitions if isinstance(d, OperationDefinitionNode)]
    if not operations:
        raise GraphQLError("the document has no operation")
    return operations[0]
