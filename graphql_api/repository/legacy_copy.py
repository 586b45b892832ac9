"""Copying a table the legacy API wrote (`userId` partition, `dateCreated` sort key) into ours.

Items arrive unchanged but for gaining `version` 1. A copy never overwrites: an id already in
the target is skipped, so running it again, or resuming it, copies nothing twice and never
replaces newer data.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_WRITERS = 8  # concurrent PutItem calls: conditional writes cannot be batched


@dataclass
class CopyReport:
    copied: int = 0
    skipped: int = 0
    """Already in the target table."""
    without_id: int = 0
    """Not copyable: the legacy item has no `id`."""
    resume: str | None = None
    """Pass back as `resume` to carry on after the last page read; None once done."""


def copy_legacy_table(
    client: DynamoDBClient,
    source: str,
    target: str,
    *,
    resume: str | None = None,
    page_size: int = 100,
) -> Iterator[CopyReport]:
    """Copy `source` into `target` page by page, yielding the running report after each."""
    report = CopyReport()
    start = _decode(resume) if resume else None
    with ThreadPoolExecutor(_WRITERS) as writers:
        while True:
            paging: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = client.scan(TableName=source, Limit=page_size, ConsistentRead=True, **paging)
            for outcome in writers.map(lambda item: _copy(client, target, item), page["Items"]):
                setattr(report, outcome, getattr(report, outcome) + 1)
            start = page.get("LastEvaluatedKey")
            report.resume = _encode(start) if start else None
            yield report
            if not start:
                return


def _copy(client: DynamoDBClient, target: str, item: dict[str, Any]) -> str:
    if "S" not in item.get("id", {}):
        return "without_id"
    try:
        client.put_item(
            TableName=target,
            Item={"version": {"N": "1"}, **item},
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "id"},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return "skipped"
    return "copied"


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
