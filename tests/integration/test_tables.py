"""The tables as the code creates them: the records table's key and TTL, creation twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphql_api.repository.table import EXPIRES_AT, is_live
from tests.conftest import dropped, unique_name
from todo_tools.tables import create_records_table, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def test_records_table_has_a_string_partition_key_only(
    dynamodb: DynamoDBClient, records_table: str
) -> None:
    table = dynamodb.describe_table(TableName=records_table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.needs("UpdateTimeToLive")
def test_records_table_expires_items_by_expires_at(
    dynamodb: DynamoDBClient, records_table: str
) -> None:
    ttl = dynamodb.describe_time_to_live(TableName=records_table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": EXPIRES_AT}


@pytest.mark.needs("UpdateTimeToLive")
def test_creating_the_tables_again_changes_nothing(
    dynamodb: DynamoDBClient, table: str, records_table: str
) -> None:
    assert create_table(dynamodb, table) is False
    assert create_records_table(dynamodb, records_table) is False
    ttl = dynamodb.describe_time_to_live(TableName=records_table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"


@pytest.mark.needs("UpdateTimeToLive")
def test_an_existing_records_table_without_ttl_gets_it(dynamodb: DynamoDBClient) -> None:
    bare = unique_name("bare")
    with dropped(dynamodb, bare):
        dynamodb.create_table(
            TableName=bare,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        dynamodb.get_waiter("table_exists").wait(TableName=bare)
        assert create_records_table(dynamodb, bare) is False
        ttl = dynamodb.describe_time_to_live(TableName=bare)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": EXPIRES_AT}


def test_a_record_past_its_expiry_is_not_live_though_still_stored() -> None:
    record = {"pk": {"S": "apq#x"}, EXPIRES_AT: {"N": "1000"}}
    assert is_live(record, now_s=999.5)
    assert is_live(record, now_s=1000)
    assert not is_live(record, now_s=1000.001)


def test_a_record_without_expiry_is_live_forever() -> None:
    assert is_live({"pk": {"S": "apq#x"}}, now_s=1e12)
