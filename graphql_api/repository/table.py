"""The tables' key schemas and index, defined once.

The local server and the tests create tables from `table_definition` and
`records_table_definition`; `template.yaml` must declare the same keys, index and TTL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TimeToLiveSpecificationTypeDef

USER_INDEX = "byUser"
"""Global secondary index: one user's todos in creation order."""

RECORD_KEY = "pk"
"""The records table's partition key (a string such as `apq#<sha256>`); it has no sort key."""

EXPIRES_AT = "expiresAt"
"""The records table's TTL attribute: epoch seconds (N). An item without it never expires."""


def table_definition(table_name: str) -> dict[str, Any]:
    """The `CreateTable` arguments for the todo table."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "userId", "AttributeType": "S"},
            {"AttributeName": "dateCreated", "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": USER_INDEX,
                "KeySchema": [
                    {"AttributeName": "userId", "KeyType": "HASH"},
                    {"AttributeName": "dateCreated", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def records_table_definition(table_name: str) -> dict[str, Any]:
    """The `CreateTable` arguments for the table of short-lived and registered records."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": RECORD_KEY, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": RECORD_KEY, "KeyType": "HASH"}],
    }


def records_ttl() -> TimeToLiveSpecificationTypeDef:
    """The records table's `TimeToLiveSpecification`."""
    return {"AttributeName": EXPIRES_AT, "Enabled": True}


def is_live(item: Mapping[str, Any], now_s: float) -> bool:
    """Whether a stored record still counts. DynamoDB deletes expired items lazily, up to days
    after `expiresAt`, and reads return them until then: every reader must ask this."""
    expires = item.get(EXPIRES_AT)
    return expires is None or float(expires["N"]) >= now_s


def create_table(client: DynamoDBClient, table_name: str) -> bool:
    """Create the todo table and wait until it is active; False when it already existed."""
    return _create(client, table_definition(table_name))


def create_records_table(client: DynamoDBClient, table_name: str) -> bool:
    """Create the records table with its TTL on; False when it already existed. TTL is turned on
    for an existing table too, where it is off."""
    created = _create(client, records_table_definition(table_name))
    try:
        _turn_on_ttl(client, table_name)
    except ClientError as exc:
        # An engine without TTL (dynalite) serves the table all the same; its records never
        # expire, and every reader checks `expiresAt` itself (`is_live`).
        if exc.response.get("Error", {}).get("Code") != "UnknownOperationException":
            raise
    return created


def _turn_on_ttl(client: DynamoDBClient, table_name: str) -> None:
    described = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if described.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=records_ttl())


def _create(client: DynamoDBClient, definition: dict[str, Any]) -> bool:
    try:
        client.create_table(**definition)
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(
        TableName=definition["TableName"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    return True
