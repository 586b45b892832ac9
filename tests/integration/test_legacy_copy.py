"""Copying a legacy table (userId/dateCreated keys) into ours, on moto."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from graphql_api.repository.legacy_copy import CopyReport, copy_legacy_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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


@dataclass
class Tables:
    client: DynamoDBClient
    legacy: str
    target: str

    def put_legacy(self, item: dict[str, Any]) -> None:
        self.client.put_item(TableName=self.legacy, Item=item)

    def copy(self, **options: Any) -> Iterator[CopyReport]:
        return copy_legacy_table(self.client, self.legacy, self.target, **options)

    def run(self, **options: Any) -> CopyReport:
        *_, report = self.copy(**options)
        return report

    def stored(self) -> dict[str, dict[str, Any]]:
        pages = self.client.get_paginator("scan").paginate(TableName=self.target)
        return {item["id"]["S"]: item for page in pages for item in page["Items"]}


@pytest.fixture
def tables(dynamodb: DynamoDBClient, legacy_table: str, table: str) -> Tables:
    return Tables(dynamodb, legacy_table, table)


@pytest.fixture
def legacy(tables: Tables) -> list[dict[str, Any]]:
    items = [legacy_item(n) for n in range(300)]
    for item in items:
        tables.put_legacy(item)
    return items


def test_every_item_arrives_once_unchanged_but_for_its_version(
    tables: Tables, legacy: list[dict[str, Any]]
) -> None:
    report = tables.run()
    assert (report.copied, report.skipped, report.without_id, report.resume) == (300, 0, 0, None)
    assert tables.stored() == {item["id"]["S"]: {**item, "version": {"N": "1"}} for item in legacy}


def test_a_second_run_copies_nothing(tables: Tables, legacy: list[dict[str, Any]]) -> None:
    tables.run()
    report = tables.run()
    assert (report.copied, report.skipped) == (0, 300)
    assert len(tables.stored()) == len(legacy)


def test_newer_data_in_our_table_is_never_overwritten(
    tables: Tables, legacy: list[dict[str, Any]]
) -> None:
    newer = {**legacy[0], "content": {"S": "changed since"}, "version": {"N": "4"}}
    tables.client.put_item(TableName=tables.target, Item=newer)
    report = tables.run()
    assert (report.copied, report.skipped) == (299, 1)
    assert tables.stored()[legacy[0]["id"]["S"]] == newer


def test_an_interrupted_copy_resumes_where_it_stopped(
    tables: Tables, legacy: list[dict[str, Any]]
) -> None:
    first_pages = tables.copy(page_size=40)
    next(first_pages)
    stopped = next(first_pages)  # two pages in, the run is interrupted
    assert stopped.copied == 80
    assert stopped.resume is not None
    rest = tables.run(resume=stopped.resume, page_size=40)
    assert (rest.copied, rest.skipped) == (220, 0)
    assert len(tables.stored()) == len(legacy)


def test_items_without_an_id_are_counted_not_copied(
    tables: Tables, legacy: list[dict[str, Any]]
) -> None:
    orphan = {k: v for k, v in legacy_item(999).items() if k != "id"}
    tables.put_legacy(orphan)
    report = tables.run()
    assert (report.copied, report.without_id) == (len(legacy), 1)


def test_a_resume_token_we_did_not_print_is_refused(tables: Tables) -> None:
    with pytest.raises(ValueError, match="resume token"):
        tables.run(resume="not-a-token!")
