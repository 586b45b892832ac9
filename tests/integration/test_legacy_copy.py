"""Copying a legacy table (userId/dateCreated keys) into ours, on moto."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from graphql_api.repository.legacy_copy import CopyReport, copy_legacy_table
from tests.conftest import TABLE, create_legacy_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LEGACY = "legacy-todos"


def legacy_item(n: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": {"S": f"00000000-0000-4000-8000-{n:012d}"},
        "userId": {"S": f"user-{n % 7}"},
        "dateCreated": {"N": str(1_600_000_000_000 + n)},
        "dateUpdated": {"N": str(1_600_000_000_500 + n)},
        "status": {"S": "pending" if n % 3 else "whatever text"},
    }
    if n % 5:
        item["content"] = {"S": f"todo {n} ✓"}
    return item


@pytest.fixture
def legacy(dynamodb: DynamoDBClient) -> list[dict[str, Any]]:
    create_legacy_table(dynamodb, LEGACY)
    items = [legacy_item(n) for n in range(300)]
    for item in items:
        dynamodb.put_item(TableName=LEGACY, Item=item)
    return items


def run(client: DynamoDBClient, **options: Any) -> CopyReport:
    *_, report = copy_legacy_table(client, LEGACY, TABLE, **options)
    return report


def stored(client: DynamoDBClient) -> dict[str, dict[str, Any]]:
    pages = client.get_paginator("scan").paginate(TableName=TABLE)
    return {item["id"]["S"]: item for page in pages for item in page["Items"]}


def test_every_item_arrives_once_unchanged_but_for_its_version(
    dynamodb: DynamoDBClient, legacy: list[dict[str, Any]]
) -> None:
    report = run(dynamodb)
    assert (report.copied, report.skipped, report.without_id, report.resume) == (300, 0, 0, None)
    assert stored(dynamodb) == {item["id"]["S"]: {**item, "version": {"N": "1"}} for item in legacy}


def test_a_second_run_copies_nothing(
    dynamodb: DynamoDBClient, legacy: list[dict[str, Any]]
) -> None:
    run(dynamodb)
    report = run(dynamodb)
    assert (report.copied, report.skipped) == (0, 300)
    assert len(stored(dynamodb)) == len(legacy)


def test_newer_data_in_our_table_is_never_overwritten(
    dynamodb: DynamoDBClient, legacy: list[dict[str, Any]]
) -> None:
    newer = {**legacy[0], "content": {"S": "changed since"}, "version": {"N": "4"}}
    dynamodb.put_item(TableName=TABLE, Item=newer)
    report = run(dynamodb)
    assert (report.copied, report.skipped) == (299, 1)
    assert stored(dynamodb)[legacy[0]["id"]["S"]] == newer


def test_an_interrupted_copy_resumes_where_it_stopped(
    dynamodb: DynamoDBClient, legacy: list[dict[str, Any]]
) -> None:
    first_pages = copy_legacy_table(dynamodb, LEGACY, TABLE, page_size=40)
    next(first_pages)
    stopped = next(first_pages)  # two pages in, the run is interrupted
    assert stopped.copied == 80
    assert stopped.resume is not None
    rest = run(dynamodb, resume=stopped.resume, page_size=40)
    assert (rest.copied, rest.skipped) == (220, 0)
    assert len(stored(dynamodb)) == len(legacy)


def test_items_without_an_id_are_counted_not_copied(
    dynamodb: DynamoDBClient, legacy: list[dict[str, Any]]
) -> None:
    orphan = {k: v for k, v in legacy_item(999).items() if k != "id"}
    dynamodb.put_item(TableName=LEGACY, Item=orphan)
    report = run(dynamodb)
    assert (report.copied, report.without_id) == (len(legacy), 1)


def test_a_resume_token_we_did_not_print_is_refused(dynamodb: DynamoDBClient) -> None:
    with pytest.raises(ValueError, match="resume token"):
        run(dynamodb, resume="not-a-token!")
