"""Copying a legacy table (userId/dateCreated keys) into ours: every row copied, already
there, a collision, or not copyable, reported one by one; never stuck."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from todo_tools.legacy_copy import CopyReport, Problem, copy_legacy_table

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

    def run_reporting(self, **options: Any) -> tuple[CopyReport, list[Problem]]:
        """The final report, and the problems of every page."""
        problems: list[Problem] = []
        for report in self.copy(**options):
            problems.extend(report.problems)
        return report, problems

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
    assert counts(report) == (300, 0, 0, 0)
    assert report.resume is None
    assert tables.stored() == {item["id"]["S"]: {**item, "version": {"N": "1"}} for item in legacy}


def test_a_second_run_copies_nothing(tables: Tables, legacy: list[dict[str, Any]]) -> None:
    tables.run()
    report = tables.run()
    assert counts(report) == (0, 300, 0, 0)
    assert len(tables.stored()) == len(legacy)


def test_newer_data_in_our_table_is_never_overwritten(
    tables: Tables, legacy: list[dict[str, Any]]
) -> None:
    newer = {**legacy[0], "content": {"S": "changed since"}, "version": {"N": "4"}}
    tables.client.put_item(TableName=tables.target, Item=newer)
    report = tables.run()
    assert counts(report) == (299, 1, 0, 0)
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
    assert counts(rest) == (220, 0, 0, 0)
    assert len(tables.stored()) == len(legacy)


def counts(report: CopyReport) -> tuple[int, int, int, int]:
    return report.copied, report.already_there, report.collisions, report.not_copyable


def row(n: int) -> str:
    return f"userId='user-{n % 7}' dateCreated={1_600_000_000_000 + n}"


UNCOPYABLE = [
    (None, "it has no id"),
    ({"N": "12"}, "its id is of DynamoDB type N, not a string"),
    ({"S": ""}, "its id is empty"),
    ({"S": "x" * 2049}, "its id is 2,049 bytes long; a DynamoDB key holds at most 2,048"),
    ({"S": "𝄞" * 600}, "its id is 2,400 bytes long; a DynamoDB key holds at most 2,048"),
]


def test_rows_that_cannot_be_copied_are_reported_one_by_one_and_skipped(
    tables: Tables,
) -> None:
    for n in range(40):
        tables.put_legacy(legacy_item(n))
    bad = {n: todo_id for n, (todo_id, _) in zip(range(40, 50, 2), UNCOPYABLE, strict=True)}
    for n, todo_id in bad.items():
        tables.put_legacy({**legacy_item(n), "id": todo_id} if todo_id else _without_id(n))
    report, problems = tables.run_reporting(page_size=7)
    assert counts(report) == (40, 0, 0, 5)
    assert sorted((p.row, p.reason) for p in problems) == sorted(
        (row(n), reason) for n, (_, reason) in zip(bad, UNCOPYABLE, strict=True)
    )
    assert len(tables.stored()) == 40


def _without_id(n: int) -> dict[str, Any]:
    return {k: v for k, v in legacy_item(n).items() if k != "id"}


def test_a_resumed_run_continues_past_rows_that_cannot_be_copied(tables: Tables) -> None:
    for n in range(30):
        tables.put_legacy(legacy_item(n) if n % 10 != 5 else {**legacy_item(n), "id": {"S": ""}})
    pages = tables.copy(page_size=10)
    first = next(pages)
    assert first.resume is not None
    problems = list(first.problems)
    for report in tables.copy(page_size=10, resume=first.resume):
        problems.extend(report.problems)
    assert (first.copied + report.copied, first.not_copyable + report.not_copyable) == (27, 3)
    assert sorted(p.row for p in problems) == sorted(row(n) for n in (5, 15, 25))
    assert report.resume is None


def test_an_item_dynamodb_refuses_is_reported_and_skipped(tables: Tables) -> None:
    tables.put_legacy(legacy_item(1))
    put_largest_item(tables, legacy_item(2))  # one byte more would not fit: `version` will not
    report, problems = tables.run_reporting()
    assert counts(report) == (1, 0, 0, 1)
    (problem,) = problems
    assert problem.row == row(2)
    assert problem.reason.startswith("DynamoDB refused it: ")


def put_largest_item(tables: Tables, item: dict[str, Any]) -> None:
    """Store `item` with the longest `content` the legacy table takes: engines count an item's
    bytes differently (moto stops at 405,000; DynamoDB at 400 KiB), so ask, by bisection."""
    fits, too_long = 380_000, 410 * 1024
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if stores(tables, {**item, "content": {"S": "x" * middle}}):
            fits = middle
        else:
            too_long = middle
    assert stores(tables, {**item, "content": {"S": "x" * fits}})


def stores(tables: Tables, item: dict[str, Any]) -> bool:
    try:
        tables.put_legacy(item)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ValidationException":
            raise
        return False
    return True


def test_two_legacy_rows_with_one_id_are_a_collision_not_already_there(tables: Tables) -> None:
    twin = {**legacy_item(2), "id": legacy_item(1)["id"]}  # same id, another row
    for item in (legacy_item(1), twin, legacy_item(3)):
        tables.put_legacy(item)
    report, problems = tables.run_reporting()
    assert counts(report) == (2, 0, 1, 0)
    (collision,) = problems
    assert collision.todo_id == legacy_item(1)["id"]["S"]
    others = {row(1), row(2)} - {collision.row}
    assert collision.reason == f"our table holds this id for {others.pop()}"
    again, problems = tables.run_reporting()
    assert counts(again) == (0, 2, 1, 0)
    assert [p.row for p in problems] == [collision.row]


def test_of_rows_sharing_an_id_the_first_read_that_dynamodb_takes_is_kept(
    tables: Tables,
) -> None:
    todo_id = legacy_item(1)["id"]
    for n in (1, 2, 3):
        tables.put_legacy({**legacy_item(n), "id": todo_id})
    order = [int(item["dateCreated"]["N"]) - 1_600_000_000_000 for item in legacy_rows(tables)]
    put_largest_item(tables, {**legacy_item(order[0]), "id": todo_id})  # refused: no room
    report, problems = tables.run_reporting()
    assert counts(report) == (1, 0, 1, 1)
    refused, collision = problems
    assert (refused.row, collision.row) == (row(order[0]), row(order[2]))
    assert refused.reason.startswith("DynamoDB refused it: ")
    assert collision.reason == f"our table holds this id for {row(order[1])}"


def legacy_rows(tables: Tables) -> list[dict[str, Any]]:
    """The legacy table's rows in the order a copy reads them."""
    pages = tables.client.get_paginator("scan").paginate(TableName=tables.legacy)
    return [item for page in pages for item in page["Items"]]


def test_a_legacy_row_with_the_id_of_one_of_our_todos_is_a_collision(tables: Tables) -> None:
    ours = {**legacy_item(1), "userId": {"S": "someone"}, "version": {"N": "3"}}
    tables.client.put_item(TableName=tables.target, Item=ours)
    tables.put_legacy(legacy_item(1))
    report, (problem,) = tables.run_reporting()
    assert counts(report) == (0, 0, 1, 0)
    assert (
        problem.reason == "our table holds this id for userId='someone' dateCreated=1600000000001"
    )
    assert tables.stored()[ours["id"]["S"]] == ours


def test_collisions_are_told_apart_where_a_refusal_carries_no_old_item(
    tables: Tables,
) -> None:
    """Engines such as dynalite leave the old item out of a failed condition's answer."""

    def drop_the_old_item(parsed: dict[str, Any], **_: Any) -> None:
        parsed.pop("Item", None)

    tables.client.meta.events.register("after-call.dynamodb.PutItem", drop_the_old_item)
    tables.put_legacy(legacy_item(1))
    tables.put_legacy({**legacy_item(2), "id": legacy_item(1)["id"]})
    tables.run()
    again, problems = tables.run_reporting()
    assert counts(again) == (0, 1, 1, 0)
    assert len(problems) == 1


def test_a_dry_run_reports_what_a_copy_would_do_and_writes_nothing(tables: Tables) -> None:
    for n in range(20):
        tables.put_legacy(legacy_item(n))
    tables.put_legacy({**legacy_item(20), "id": legacy_item(3)["id"]})  # a twin of row 3
    tables.put_legacy({**legacy_item(21), "id": {"S": ""}})
    tables.client.put_item(TableName=tables.target, Item={**legacy_item(0), "version": {"N": "2"}})
    tables.client.put_item(
        TableName=tables.target, Item={**legacy_item(1), "userId": {"S": "someone"}}
    )
    before = tables.stored()
    dry, dry_problems = tables.run_reporting(dry_run=True, page_size=6)
    assert tables.stored() == before
    assert counts(dry) == (18, 1, 2, 1)
    report, problems = tables.run_reporting(page_size=6)
    assert counts(report) == counts(dry)
    assert sorted(p.row for p in problems) == sorted(p.row for p in dry_problems)


def test_a_resume_token_we_did_not_print_is_refused(tables: Tables) -> None:
    with pytest.raises(ValueError, match="resume token"):
        tables.run(resume="not-a-token!")
