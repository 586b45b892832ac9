"""A DynamoDB answered in memory at botocore's HTTP transport.

`install()` replaces the urllib3 session's `send`, the last step before the network: every call
still goes through botocore's parameter validation, serialisation, signing, retries and
response parsing, so those costs count as ours, as they do on Lambda. It answers the calls
this service makes (GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem, Query, Scan) well
enough for a benchmark, and counts them. It is not a test double: tests use moto.

Only the standard library and botocore: the cold-start benchmark copies this file next to a
child process that has nothing but the artifact on its path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

Item = dict[str, dict[str, str]]
Body = dict[str, Any]
_ASSIGNMENT = re.compile(r"(#\w+) = (:\w+)(?:,|$)")
_CONDITION_FAILED = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class FakeDynamoDB:
    """One table keyed by `id`, in insertion order; `calls` names every operation answered."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.calls: list[str] = []
        self._operations: dict[str, Callable[[Body], Body]] = {
            "GetItem": self._get,
            "BatchGetItem": self._batch_get,
            "PutItem": self._put,
            "UpdateItem": self._update,
            "DeleteItem": self._delete,
            "Query": self._query,
            "Scan": self._scan,
        }

    def put(self, item: Item) -> None:
        self.items[item["id"]["S"]] = item

    def send(self, request: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders

        target = request.headers["X-Amz-Target"]
        operation = (target.decode() if isinstance(target, bytes) else target).split(".")[-1]
        self.calls.append(operation)
        try:
            status, answer = 200, self._operations[operation](json.loads(request.body))
        except _ConditionFailed as failure:
            status, answer = 400, {"__type": _CONDITION_FAILED, "message": str(failure)}
        headers = HTTPHeaders()
        headers["content-type"] = "application/x-amz-json-1.0"
        headers["x-amzn-requestid"] = "bench"
        return AWSResponse(request.url, status, headers, _Raw(json.dumps(answer).encode()))

    def _get(self, body: Body) -> Body:
        item = self.items.get(body["Key"]["id"]["S"])
        return {"Item": item} if item else {}

    def _batch_get(self, body: Body) -> Body:
        ((table, request),) = body["RequestItems"].items()
        found = [self.items[k["id"]["S"]] for k in request["Keys"] if k["id"]["S"] in self.items]
        return {"Responses": {table: found}, "UnprocessedKeys": {}}

    def _put(self, body: Body) -> Body:
        self.put(body["Item"])
        return {}

    def _update(self, body: Body) -> Body:
        item = dict(self._existing(body))
        names, values = body["ExpressionAttributeNames"], body["ExpressionAttributeValues"]
        for name, value in _ASSIGNMENT.findall(body["UpdateExpression"]):
            item[names[name]] = values[value]
        version = int(item.get("version", {"N": "1"})["N"])
        item["version"] = {"N": str(version + 1)}
        self.put(item)
        return {"Attributes": item}

    def _delete(self, body: Body) -> Body:
        item = self._existing(body)
        del self.items[item["id"]["S"]]
        return {"Attributes": item}

    def _existing(self, body: Body) -> Item:
        item = self.items.get(body["Key"]["id"]["S"])
        if item is None:
            raise _ConditionFailed("The conditional request failed")
        return item

    def _query(self, body: Body) -> Body:
        user = body["ExpressionAttributeValues"][":user"]
        items = sorted(
            (i for i in self.items.values() if i.get("userId") == user),
            key=lambda i: int(i["dateCreated"]["N"]),
            reverse=not body.get("ScanIndexForward", True),
        )
        return _page(items, body, ("id", "userId", "dateCreated"))

    def _scan(self, body: Body) -> Body:
        return _page(list(self.items.values()), body, ("id",))


class _ConditionFailed(Exception):
    pass


def _page(items: list[Item], body: Body, key: tuple[str, ...]) -> Body:
    start = body.get("ExclusiveStartKey")
    if start:
        ids = [i["id"]["S"] for i in items]
        items = items[ids.index(start["id"]["S"]) + 1 :]
    limit = body.get("Limit", len(items))
    examined = items[:limit]
    kept = examined
    if "FilterExpression" in body:
        status = body["ExpressionAttributeValues"][":status"]
        kept = [i for i in examined if i.get("status") == status]
    answer: Body = {"Items": kept, "Count": len(kept), "ScannedCount": len(examined)}
    if len(items) > limit and examined:
        answer["LastEvaluatedKey"] = {name: examined[-1][name] for name in key}
    return answer


def install() -> FakeDynamoDB:
    """Answer every DynamoDB call of this process from a new, empty fake."""
    from botocore.httpsession import URLLib3Session

    fake = FakeDynamoDB()

    def send(session: URLLib3Session, request: Any) -> Any:
        return fake.send(request)

    URLLib3Session.send = send  # type: ignore[method-assign,assignment]
    return fake


def todo_item(todo_id: str, user_id: str = "ann", created_ms: int = 1_795_768_401_000) -> Item:
    """A stored todo as the service writes it."""
    return {
        "id": {"S": todo_id},
        "userId": {"S": user_id},
        "content": {"S": "Buy milk, eggs and a loaf of bread"},
        "status": {"S": "pending"},
        "version": {"N": "1"},
        "dateCreated": {"N": str(created_ms)},
        "dateUpdated": {"N": str(created_ms)},
    }
