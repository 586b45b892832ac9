"""Copying a table the legacy API wrote (`userId` partition, `dateCreated` sort key) into ours.

Items arrive unchanged but for gaining `version` 1. A copy never overwrites: an id already in
the target is left alone, so running it again, or resuming it, copies nothing twice and never
replaces newer data.

The legacy table's key is (`userId`, `dateCreated`), not `id`: its rows' ids need not be
unique, present, or usable as our key. Every row has one outcome, and the rows not copied are
reported one by one with the reason, never stopping the copy:

- copied (or, in a dry run, would be);
- already there: our table holds its id for the same legacy row (same `userId` and
  `dateCreated`), copied before and perhaps changed since;
- collision: our table holds its id for another row (another legacy row with the same id, or a
  todo of ours); of legacy rows sharing an id, the first read that DynamoDB takes is kept;
- not copyable: no id, an id that is not a string, empty, or over DynamoDB's 2048-byte key
  limit, or an item DynamoDB refuses (over 400 KB once it has a version).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from graphql_api.model import MAX_KEY_BYTES

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_WRITERS = 8  # concurrent PutItem calls: conditional writes cannot be batched


class Outcome(Enum):
    COPIED = "copied"
    ALREADY_THERE = "already_there"
    COLLISION = "collisions"
    NOT_COPYABLE = "not_copyable"


@dataclass(frozen=True)
class Problem:
    """A legacy row that was not copied (a collision, or not copyable), and why."""

    row: str
    """The legacy row's key, `userId` and `dateCreated`, as text."""
    todo_id: str | None
    """Its id, when it is a string."""
    reason: str


@dataclass
class CopyReport:
    copied: int = 0
    """Copied; in a dry run, would be."""
    already_there: int = 0
    collisions: int = 0
    not_copyable: int = 0
    problems: list[Problem] = field(default_factory=list)
    """The rows of the page just read that were not copied, in the order read."""
    resume: str | None = None
    """Pass back as `resume` to carry on after the last page read; None once done."""


def copy_legacy_table(
    client: DynamoDBClient,
    source: str,
    target: str,
    *,
    resume: str | None = None,
    page_size: int = 100,
    dry_run: bool = False,
) -> Iterator[CopyReport]:
    """Copy `source` into `target` page by page, yielding the running report after each.

    With `dry_run`, nothing is written: the report says what a copy would do (ids repeated
    within the rows read count as collisions, as they would; DynamoDB's refusals, such as an
    item too large, show only when writing)."""
    copier = _Copier(client, target, dry_run)
    report = CopyReport()
    start = _decode(resume) if resume else None
    with ThreadPoolExecutor(_WRITERS) as workers:
        while True:
            paging: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = client.scan(TableName=source, Limit=page_size, ConsistentRead=True, **paging)
            report.problems = []
            for outcome, problem in copier.page(workers, page["Items"]):
                setattr(report, outcome.value, getattr(report, outcome.value) + 1)
                if problem is not None:
                    report.problems.append(problem)
            start = page.get("LastEvaluatedKey")
            report.resume = _encode(start) if start else None
            yield report
            if not start:
                return


Result = tuple[Outcome, Problem | None]


class _Copier:
    def __init__(self, client: DynamoDBClient, target: str, dry_run: bool) -> None:
        self._client = client
        self._target = target
        self._dry_run = dry_run
        self._seen: dict[str, str] = {}
        """In a dry run: the row each id read so far belongs to (what a copy would store)."""

    def page(self, workers: ThreadPoolExecutor, items: list[dict[str, Any]]) -> list[Result]:
        """Each row's outcome, in the order read."""
        return self._look(workers, items) if self._dry_run else self._write(workers, items)

    def _write(self, workers: ThreadPoolExecutor, items: list[dict[str, Any]]) -> list[Result]:
        # Rows sharing an id are written one wave after another, in the order read, so the
        # first read that DynamoDB takes is the one kept.
        results: dict[int, Result] = {}
        for wave in _waves(items):
            results.update(zip(wave, workers.map(self._copy, wave.values()), strict=True))
        return [results[n] for n in range(len(items))]

    def _look(self, workers: ThreadPoolExecutor, items: list[dict[str, Any]]) -> list[Result]:
        # Looked up concurrently, judged in the order read, as the rows would arrive.
        found = list(workers.map(self._existing_for, items))
        return [self._judge(item, existing) for item, existing in zip(items, found, strict=True)]

    def _copy(self, item: dict[str, Any]) -> Result:
        refusal = _uncopyable(item)
        if refusal:
            return _problem(Outcome.NOT_COPYABLE, item, refusal)
        try:
            self._client.put_item(
                TableName=self._target,
                Item={"version": {"N": "1"}, **item},
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            # Some engines leave the old item out of the refusal: then read it.
            old: Any = exc.response.get("Item")
            return _compare(item, old or self._existing(item["id"]["S"]))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ValidationException":
                raise
            message = exc.response["Error"].get("Message", "")
            return _problem(Outcome.NOT_COPYABLE, item, f"DynamoDB refused it: {message}")
        return Outcome.COPIED, None

    def _existing_for(self, item: dict[str, Any]) -> dict[str, Any] | None:
        return None if _uncopyable(item) else self._existing(item["id"]["S"])

    def _existing(self, todo_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._target, Key={"id": {"S": todo_id}}, ConsistentRead=True
        )
        return dict(response["Item"]) if "Item" in response else None

    def _judge(self, item: dict[str, Any], existing: dict[str, Any] | None) -> Result:
        refusal = _uncopyable(item)
        if refusal:
            return _problem(Outcome.NOT_COPYABLE, item, refusal)
        if existing is not None:
            return _compare(item, existing)
        todo_id, row = item["id"]["S"], _row(item)
        first = self._seen.setdefault(todo_id, row)
        if first != row:
            return _problem(Outcome.COLLISION, item, f"an earlier row ({first}) has this id")
        return Outcome.COPIED, None


Rows = dict[int, dict[str, Any]]


def _waves(items: list[dict[str, Any]]) -> list[Rows]:
    """`items` by position, in waves: the first row of each id, then each id's second, and so
    on (a row without a string id is in the first)."""
    waves: list[Rows] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items):
        todo_id = item.get("id", {}).get("S")
        wave = seen.get(todo_id, 0) if todo_id is not None else 0
        if todo_id is not None:
            seen[todo_id] = wave + 1
        if wave == len(waves):
            waves.append({})
        waves[wave][n] = item
    return waves


def _uncopyable(item: dict[str, Any]) -> str | None:
    """Why `item` cannot be stored under its id; None when it can."""
    todo_id = item.get("id")
    if todo_id is None:
        return "it has no id"
    if "S" not in todo_id:
        return f"its id is of DynamoDB type {next(iter(todo_id))}, not a string"
    size = len(todo_id["S"].encode())
    if size == 0:
        return "its id is empty"
    if size > MAX_KEY_BYTES:
        return f"its id is {size:,} bytes long; a DynamoDB key holds at most {MAX_KEY_BYTES:,}"
    return None


def _compare(item: dict[str, Any], existing: dict[str, Any] | None) -> Result:
    """Whether our item with `item`'s id is this legacy row, copied before, or another's."""
    if existing is None:  # refused as present, then gone: deleted while we copied
        return _problem(Outcome.COLLISION, item, "our item with this id was deleted meanwhile")
    if _same_row(item, existing):
        return Outcome.ALREADY_THERE, None
    return _problem(Outcome.COLLISION, item, f"our table holds this id for {_row(existing)}")


def _same_row(item: dict[str, Any], existing: dict[str, Any]) -> bool:
    return item.get("userId") == existing.get("userId") and _number(item) == _number(existing)


def _number(item: dict[str, Any]) -> Decimal | None:
    created = item.get("dateCreated", {})
    return Decimal(created["N"]) if "N" in created else None


def _row(item: dict[str, Any]) -> str:
    """A row's legacy key as text (a number as stored)."""
    user = item.get("userId", {}).get("S")
    created = item.get("dateCreated", {}).get("N")
    return f"userId={user!r} dateCreated={created}"


def _problem(outcome: Outcome, item: dict[str, Any], reason: str) -> Result:
    todo_id = item.get("id", {}).get("S")
    return outcome, Problem(_row(item), todo_id, reason)


def _encode(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode("ascii")


def _decode(token: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token))
    except ValueError:
        raise ValueError("that resume token is not one this command printed") from None
    if not isinstance(key, dict):
        raise ValueError("that resume token is not one this command printed")
    return key
