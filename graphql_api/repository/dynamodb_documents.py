"""Persisted documents in the records table, one item each: `pk` = `apq#<sha256>`, `query` =
the text, and either `expiresAt` (an automatically persisted query, gone after its TTL) or
`trusted` = true with the operation's `name` and `type` (registered from a manifest, for good).
Storage faults become `ServiceUnavailable`, as for todos.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphql_api.repository.documents import StoredDocument, TrustedDocument
from graphql_api.repository.faults import faults
from graphql_api.repository.table import EXPIRES_AT, RECORD_KEY, is_live

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_PREFIX = "apq#"


class DynamoDBDocumentStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @faults("GetItem")
    def find(self, sha256: str, *, now: float) -> StoredDocument | None:
        # Eventually consistent: a document is never changed once written, only extended.
        item = self._client.get_item(TableName=self._table, Key=_key(sha256)).get("Item")
        if item is None or not is_live(item, now):
            return None
        expires = item.get(EXPIRES_AT)
        return StoredDocument(
            body=item["query"]["S"],
            trusted=item.get("trusted", {}).get("BOOL", False),
            expires_at=int(expires["N"]) if expires else None,
        )

    @faults("PutItem")
    def remember(self, sha256: str, body: str, *, expires_at: int) -> None:
        item: dict[str, AttributeValueTypeDef] = {
            **_key(sha256),
            "query": {"S": body},
            EXPIRES_AT: {"N": str(expires_at)},
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(trusted)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return  # trusted already: it stays so, for good

    @faults("PutItem")
    def trust(self, documents: Sequence[TrustedDocument]) -> None:
        for document in documents:
            item: dict[str, AttributeValueTypeDef] = {
                **_key(document.sha256),
                "query": {"S": document.body},
                "trusted": {"BOOL": True},
            }
            if document.name:
                item["name"] = {"S": document.name}
            if document.type:
                item["type"] = {"S": document.type}
            self._client.put_item(TableName=self._table, Item=item)


def _key(sha256: str) -> dict[str, AttributeValueTypeDef]:
    return {RECORD_KEY: {"S": _PREFIX + sha256}}
