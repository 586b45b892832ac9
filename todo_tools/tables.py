"""The tables' `CreateTable` definitions, and creating them where settings point (the local
server, `todo-api create-table`, the tests). `template.yaml` declares the same keys, index and
TTL; a test holds them equal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from graphql_api.repository.table import EXPIRES_AT, RECORD_KEY, USER_INDEX

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TimeToLiveSpecificationTypeDef


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


def create_table(client: DynamoDBClient, table_name: str) -> bool:
    """Create the todo table and wait until it is active; False when it already existed."""
    return create(client, table_definition(table_name))


def create_records_table(client: DynamoDBClient, table_name: str) -> bool:
    """Create the records table with its TTL on where the engine has TTL; False when it
    already existed."""
    created = create(client, records_table_definition(table_name))
    expire_records(client, table_name)
    return created


def create(client: DynamoDBClient, definition: dict[str, Any]) -> bool:
    """Create a table and wait until it is active; False when it already existed."""
    try:
        client.create_table(**definition)
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(
        TableName=definition["TableName"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    return True


def expire_records(client: DynamoDBClient, table_name: str) -> bool:
    """Turn the records table's TTL on where it is off; False on an engine without TTL
    (dynalite), where records never expire, though readers still treat them as expired
    (`is_live`)."""
    try:
        described = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if described.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=records_ttl())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UnknownOperationException":
            return False
        raise
    return True
