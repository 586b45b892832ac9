"""Document store scenarios over both the in-memory fake and DynamoDB (moto's records table):
the fake the unit tests use cannot drift from the real store without a test failing here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from graphql_api.repository.documents import DocumentStore, StoredDocument, TrustedDocument
from graphql_api.repository.dynamodb_documents import DynamoDBDocumentStore
from tests.fakes import InMemoryDocumentStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

A = "a" * 64
B = "b" * 64
NOW = 1_800_000_000


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[DocumentStore]:
    if request.param == "memory":
        yield InMemoryDocumentStore()
    else:
        client: DynamoDBClient = request.getfixturevalue("dynamodb")
        yield DynamoDBDocumentStore(client, request.getfixturevalue("records_table"))


def test_unknown_hash_is_not_found(store: DocumentStore) -> None:
    assert store.find(A, now=NOW) is None


def test_remembered_document_is_found_until_it_expires(store: DocumentStore) -> None:
    store.remember(A, "{ a }", expires_at=NOW + 10)
    assert store.find(A, now=NOW + 10) == StoredDocument("{ a }", False, NOW + 10)
    assert store.find(A, now=NOW + 11) is None
    assert store.find(B, now=NOW) is None


def test_remembering_again_extends_the_life(store: DocumentStore) -> None:
    store.remember(A, "{ a }", expires_at=NOW + 10)
    store.remember(A, "{ a }", expires_at=NOW + 100)
    assert store.find(A, now=NOW + 50) == StoredDocument("{ a }", False, NOW + 100)


def test_expired_document_can_be_remembered_anew(store: DocumentStore) -> None:
    store.remember(A, "{ a }", expires_at=NOW)
    store.remember(A, "{ a }", expires_at=NOW + 100)
    assert store.find(A, now=NOW + 50) is not None


def test_trusted_documents_never_expire(store: DocumentStore) -> None:
    store.trust([TrustedDocument(A, "query A { a }", "A", "query"), TrustedDocument(B, "{ b }")])
    assert store.find(A, now=NOW * 10) == StoredDocument("query A { a }", True, None)
    assert store.find(B, now=NOW * 10) == StoredDocument("{ b }", True, None)


def test_remembering_leaves_a_trusted_document_trusted(store: DocumentStore) -> None:
    store.trust([TrustedDocument(A, "{ a }")])
    store.remember(A, "{ a }", expires_at=NOW + 10)
    assert store.find(A, now=NOW + 11) == StoredDocument("{ a }", True, None)


def test_trusting_a_remembered_document_makes_it_permanent(store: DocumentStore) -> None:
    store.remember(A, "{ a }", expires_at=NOW + 10)
    store.trust([TrustedDocument(A, "{ a }")])
    assert store.find(A, now=NOW + 11) == StoredDocument("{ a }", True, None)


def test_document_text_is_kept_exactly(store: DocumentStore) -> None:
    text = 'query Ünïcödé {\n  todos(status: "✓ \\u0000") { nodes { id } }\n}\n'
    store.remember(A, text, expires_at=NOW + 10)
    found = store.find(A, now=NOW)
    assert found is not None
    assert found.body == text


def test_items_live_under_the_apq_prefix_with_their_ttl(
    dynamodb: DynamoDBClient, records_table: str
) -> None:
    DynamoDBDocumentStore(dynamodb, records_table).remember(A, "{ a }", expires_at=NOW + 10)
    item = dynamodb.get_item(TableName=records_table, Key={"pk": {"S": f"apq#{A}"}})["Item"]
    assert item == {
        "pk": {"S": f"apq#{A}"},
        "query": {"S": "{ a }"},
        "expiresAt": {"N": str(NOW + 10)},
    }
