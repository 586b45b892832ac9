"""Reading the persisted query manifests client tooling writes (Apollo's, GraphQL Codegen's)."""

from __future__ import annotations

import json

import pytest

from graphql_api.config import Settings
from graphql_api.gql.engine import create_engine
from graphql_api.gql.persisted import sha256_of
from graphql_api.repository.documents import TrustedDocument
from todo_tools.manifest import ManifestError, read_manifest

engine = create_engine(Settings())

LIST = "query List { todos { nodes { id } } }"
DELETE = "mutation Delete($id: ID!) { deleteTodo(input: {id: $id}) { __typename } }"


def apollo(*operations: dict[str, object]) -> str:
    return json.dumps(
        {"format": "apollo-persisted-query-manifest", "version": 1, "operations": list(operations)}
    )


def operation(body: str, **overrides: object) -> dict[str, object]:
    name, kind = body.split()[1].split("(")[0], body.split()[0]
    return {"id": sha256_of(body), "name": name, "type": kind, "body": body, **overrides}


def test_apollo_manifest_gives_each_operation_with_its_name_and_type() -> None:
    documents = read_manifest(apollo(operation(LIST), operation(DELETE)), engine)
    assert documents == [
        TrustedDocument(sha256_of(LIST), LIST, "List", "query"),
        TrustedDocument(sha256_of(DELETE), DELETE, "Delete", "mutation"),
    ]


def test_codegen_persisted_documents_are_read_with_names_from_the_documents() -> None:
    text = json.dumps({sha256_of(LIST): LIST, sha256_of("{ __typename }"): "{ __typename }"})
    assert read_manifest(text, engine) == [
        TrustedDocument(sha256_of(LIST), LIST, "List", "query"),
        TrustedDocument(sha256_of("{ __typename }"), "{ __typename }", None, "query"),
    ]


def test_every_problem_is_reported_and_nothing_is_returned() -> None:
    sha1 = "0" * 40
    text = apollo(
        operation(LIST, id=sha1),
        operation("query Nope { nope }"),
        operation("query Broken { todos { "),
        operation(LIST),
    )
    with pytest.raises(ManifestError) as caught:
        read_manifest(text, engine)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{sha1}: not the SHA-256 of its body (GraphQL Codegen: set "
        "persistedDocuments.hashAlgorithm to 'sha256')",
        f"{sha256_of('query Nope { nope }')}: Cannot query field 'nope' on type 'Query'.",
        f"{sha256_of('query Broken { todos { ')}: Syntax Error: Expected Name, found <EOF>.",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "the manifest is not valid JSON"),
        ("[]", "not a manifest"),
        ('{"a": 1}', "not a manifest"),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}',
            "must be version 1",
        ),
        (apollo("x"), "every operation must be an object"),  # type: ignore[arg-type]
        (apollo({"id": 1, "body": LIST}), "string id and body"),
    ],
)
def test_a_file_that_is_not_a_manifest_is_refused(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        read_manifest(text, engine)


def test_a_document_over_the_length_limit_is_refused() -> None:
    body = "query Long { todos { nodes { id } } }" + " " * 70_000
    with pytest.raises(ManifestError, match="more than 65536 code points"):
        read_manifest(json.dumps({sha256_of(body): body}), engine)


def test_documents_are_held_to_the_rules_requests_are() -> None:
    introspection = "query Types { __schema { types { name } } }"
    text = json.dumps({sha256_of(introspection): introspection})
    assert read_manifest(text, engine)[0].name == "Types"
    with pytest.raises(ManifestError, match="introspection"):
        read_manifest(text, create_engine(Settings(introspection=False)))
