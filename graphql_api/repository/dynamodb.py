"""The DynamoDB repository: item ⇄ `Todo` mapping, conditional writes, bounded listings.

Items keep the legacy attribute names and types (`userId`, epoch-millisecond `dateCreated` and
`dateUpdated` numbers, optional `content`, free-text `status`) plus a `version` number; an item
the legacy API wrote has no `version` and reads as version 1.

Items we did not write are read as they are where they can be, with odd values made usable
(and logged) where they cannot, and skipped (and logged) only where no client could use them:
docs/api.md's "Stored data we did not write" is the list. Listings resume from the stored key,
never one rebuilt from what was read, so they always move forward.

Storage faults that outlast botocore's retries (throttling, DynamoDB's 5xx, timeouts, failed
connections) become `ServiceUnavailable` in `repository/faults.py`, and nowhere else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from graphql_api.errors import ServiceUnavailable, TodoNotFound, VersionConflict
from graphql_api.model import (
    MAX_TIME_MS,
    MAX_VERSION,
    Page,
    Position,
    Todo,
    TodoQuery,
    stored_bytes,
)
from graphql_api.repository import Claim, Claimed
from graphql_api.repository.faults import RETRY_AFTER_THROTTLED_S, faults
from graphql_api.repository.table import EXPIRES_AT, RECORD_KEY, USER_INDEX, is_live

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

Item = Mapping[str, "AttributeValueTypeDef"]

_BATCH_GET_MAX_KEYS = 100  # DynamoDB's limit for one BatchGetItem
_BATCH_GET_ATTEMPTS = 5
# A filtered listing reads at least this many items a call: a small Limit would spend one
# round trip per handful of items when matches are sparse.
_FILTERED_READ = 100
_ATTRIBUTES = {"content": "content", "status": "status"}
logger = logging.getLogger(__name__)

# A claim that met another transaction in flight on its key tries again: by then that one has
# committed (and this one replays it) or failed.
_CLAIM_ATTEMPTS = 4
# Reasons a transaction's part is cancelled when its table or partition is over capacity.
_THROTTLED_PARTS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
_CLAIM_PREFIX = "idem#"


class DynamoDBTodoRepository:
    """Todos in one DynamoDB table (see `todo_tools.tables`), idempotency keys in the
    records table (the same module).

    A listing looks at no more than `query.max_examined` stored items (filtered-out ones
    included); where that bound stops it, the page says there is more and where to resume.
    """

    def __init__(self, client: DynamoDBClient, table_name: str, *, records_table: str) -> None:
        self._client = client
        self._table = table_name
        self._records = records_table
        self._engine_is_dynamodb = _is_aws_endpoint(client.meta.endpoint_url)

    @faults("GetItem")
    def get(self, todo_id: str) -> Todo | None:
        response = self._client.get_item(
            TableName=self._table, Key=_key(todo_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _readable(item) if item else None

    @faults("BatchGetItem")
    def get_many(self, todo_ids: Sequence[str]) -> dict[str, Todo]:
        found: dict[str, Todo] = {}
        unique = list(dict.fromkeys(todo_ids))
        if len(unique) == 1:  # GetItem: the same read, with less to sign, send and parse
            todo = self.get(unique[0])
            return {todo.id: todo} if todo else {}
        for start in range(0, len(unique), _BATCH_GET_MAX_KEYS):
            chunk = unique[start : start + _BATCH_GET_MAX_KEYS]
            for item in self._batch_get([_key(todo_id) for todo_id in chunk]):
                todo = _readable(item)
                if todo is not None:
                    found[todo.id] = todo
        return found

    @faults("Query/Scan")
    def list_todos(self, query: TodoQuery) -> Page:
        request = self._list_request(query)
        read = self._client.query if query.user_id is not None else self._client.scan
        start = _start_key(query.after, by_user=query.user_id is not None)
        matches = _Matches(query)
        examined = 0
        while True:
            wanted = query.first + 1 - len(matches)  # one more than asked: is there a next page?
            limit = wanted if query.status is None else max(wanted, _FILTERED_READ)
            paging: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            response = read(**request, **paging, Limit=min(limit, query.max_examined - examined))
            examined += response["ScannedCount"]  # unreadable items included: they cost a read
            if matches.gather(response["Items"]):
                todos = tuple(matches[: query.first])
                return Page(todos, True, Position.of(todos[-1]), query.listing, examined)
            last = response.get("LastEvaluatedKey")
            if not last:
                return Page(tuple(matches), False, None, query.listing, examined)
            if examined >= query.max_examined:
                return Page(tuple(matches), True, _position(last), query.listing, examined)
            start = last

    @faults("PutItem")
    def create(self, todo: Todo) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_to_item(todo),
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            # botocore retried a put that DynamoDB had applied, its answer lost on the way:
            # the item there is this one, not another todo's with the same id.
            if self.get(todo.id) != todo:
                raise

    @faults("TransactWriteItems")
    def create_once(self, todo: Todo, claim: Claim) -> Claimed:
        """One transaction puts the claim (unless a live one holds the key) and the todo: both
        or neither, however many callers race. One call, where a plain create makes one too."""
        items: Any = [self._claim_put(todo, claim), self._todo_put(todo)]
        for attempt in range(_CLAIM_ATTEMPTS):
            if attempt:
                time.sleep(0.025 * 2**attempt)
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as exc:
                reasons = exc.response.get("CancellationReasons") or [{}]
                codes = {str(reason.get("Code")) for reason in reasons}
                if "TransactionConflict" in codes:
                    continue
                for code in codes & _THROTTLED_PARTS:
                    raise ServiceUnavailable(
                        code, "TransactWriteItems", retry_after=RETRY_AFTER_THROTTLED_S
                    ) from exc
                if reasons[0].get("Code") != "ConditionalCheckFailed":
                    raise  # the claim passed: the todo's id is taken, or a bug of ours
                earlier = self._live_claim(claim, reasons[0].get("Item"))
                if earlier is not None:
                    return earlier
            else:
                return Claimed(todo, claim.fingerprint, created=True)
        # Other requests on the key kept committing or failing around this one: nothing was
        # written, and the same request a moment later finds the key settled.
        raise ServiceUnavailable(
            "TransactionConflict", "TransactWriteItems", retry_after=RETRY_AFTER_THROTTLED_S
        )

    def _claim_put(self, todo: Todo, claim: Claim) -> dict[str, Any]:
        """The claim, with the todo as created: a retry answers with it even after the todo
        changed or went. An expired claim still stored is overwritten."""
        return {
            "Put": {
                "TableName": self._records,
                "Item": {
                    RECORD_KEY: {"S": _CLAIM_PREFIX + claim.key},
                    "request": {"S": claim.fingerprint},
                    "todo": {"M": _to_item(todo)},
                    EXPIRES_AT: _n(claim.expires_s),
                },
                "ConditionExpression": "attribute_not_exists(#pk) OR #expires < :now",
                "ExpressionAttributeNames": {"#pk": RECORD_KEY, "#expires": EXPIRES_AT},
                "ExpressionAttributeValues": {":now": _n(claim.now_s)},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _todo_put(self, todo: Todo) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": _to_item(todo),
                "ConditionExpression": "attribute_not_exists(#id)",
                "ExpressionAttributeNames": {"#id": "id"},
            }
        }

    def _live_claim(self, claim: Claim, item: Mapping[str, Any] | None) -> Claimed | None:
        """The live claim on `claim.key`: `item` when the refusal carried it, else read, as
        some engines leave the item out of a cancellation reason."""
        if item is None:
            key: dict[str, AttributeValueTypeDef] = {RECORD_KEY: {"S": _CLAIM_PREFIX + claim.key}}
            response = self._client.get_item(TableName=self._records, Key=key, ConsistentRead=True)
            item = response.get("Item")
        if item is None or not is_live(item, claim.now_s):
            return None
        return Claimed(_to_todo(item["todo"]["M"]), item["request"]["S"], created=False)

    @faults("UpdateItem")
    def update(
        self,
        todo_id: str,
        *,
        changes: dict[str, str],
        updated_ms: int,
        expected_version: int | None,
        owner: str | None,
    ) -> Todo:
        names = {"#id": "id", "#version": "version", "#updated": "dateUpdated"}
        values: dict[str, AttributeValueTypeDef] = {":now": _n(updated_ms), ":one": _n(1)}
        sets = ["#updated = :now", "#version = if_not_exists(#version, :one) + :one"]
        for field, value in changes.items():
            names[f"#{field}"] = _ATTRIBUTES[field]
            values[f":{field}"] = {"S": value}
            sets.append(f"#{field} = :{field}")
        # A version stored as another type (legacy data) cannot take `+ 1`: DynamoDB would
        # refuse the expression itself. The condition turns that into a refusal, read below.
        values[":number"] = {"S": "N"}
        condition = (
            _condition(expected_version, owner, names, values)
            + " AND (attribute_not_exists(#version) OR attribute_type(#version, :number))"
        )
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(todo_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise self._refusal(todo_id, expected_version, owner, exc.response) from exc
        return _to_todo(response["Attributes"])

    @faults("DeleteItem")
    def delete(self, todo_id: str, *, expected_version: int | None, owner: str | None) -> Todo:
        names = {"#id": "id"}
        values: dict[str, AttributeValueTypeDef] = {}
        condition = _condition(expected_version, owner, names, values)
        expression_values: dict[str, Any] = {"ExpressionAttributeValues": values} if values else {}
        try:
            response = self._client.delete_item(
                TableName=self._table,
                Key=_key(todo_id),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                **expression_values,
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise self._refusal(todo_id, expected_version, owner, exc.response) from exc
        return _to_todo(response["Attributes"])

    def _batch_get(self, keys: list[dict[str, AttributeValueTypeDef]]) -> Iterator[Item]:
        request: Any = {self._table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(_BATCH_GET_ATTEMPTS):
            if attempt:
                time.sleep(0.025 * 2**attempt)  # DynamoDB's advice for unprocessed keys
            response = self._client.batch_get_item(RequestItems=request)
            yield from response["Responses"].get(self._table, [])
            request = response.get("UnprocessedKeys")
            if not request:
                return
        # DynamoDB leaves keys unprocessed when the table is over its capacity: throttling.
        raise ServiceUnavailable(
            "UnprocessedKeys", "BatchGetItem", retry_after=RETRY_AFTER_THROTTLED_S
        )

    def _refusal(
        self,
        todo_id: str,
        expected_version: int | None,
        owner: str | None,
        response: Mapping[str, Any],
    ) -> TodoNotFound | VersionConflict:
        """Why a conditional write was refused: the todo it met tells a stale version from a
        missing or foreign todo."""
        if expected_version is None:
            return TodoNotFound(todo_id)
        todo = self._met(todo_id, owner, response.get("Item"))
        if todo is None or (owner is not None and todo.user_id != owner):
            return TodoNotFound(todo_id)  # another's todo does not exist for this caller
        return VersionConflict(todo_id, expected_version, todo.version)

    def _met(self, todo_id: str, owner: str | None, item: Item | None) -> Todo | None:
        """The todo a refused write met, None where there was none (or it is skipped, its
        version unusable, as by every read).

        DynamoDB returns the item in every refusal (`ReturnValuesOnConditionCheckFailure`)
        and leaves it out only where there is none: no read, so another user's todo and an
        unknown id cost the same one call. Engines elsewhere may leave it out always
        (dynalite): there a consistent read tells, made for another's todo too, so that
        both cost the same two calls; only the caller's own todo is spared it.
        """
        todo = _readable(item) if item else None
        if self._engine_is_dynamodb or (todo is not None and owner in (None, todo.user_id)):
            return todo
        return self.get(todo_id)

    def _list_request(self, query: TodoQuery) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": self._table}
        names: dict[str, str] = {}
        values: dict[str, AttributeValueTypeDef] = {}
        if query.user_id is not None:
            request["IndexName"] = USER_INDEX
            request["KeyConditionExpression"] = "#user = :user"
            request["ScanIndexForward"] = not query.newest_first
            names["#user"], values[":user"] = "userId", {"S": query.user_id}
        else:
            request["ConsistentRead"] = True
        if query.status is not None:
            request["FilterExpression"] = "#status = :status"
            names["#status"], values[":status"] = "status", {"S": query.status}
        if names:
            request["ExpressionAttributeNames"] = names
            request["ExpressionAttributeValues"] = values
        return request


def _condition(
    expected_version: int | None,
    owner: str | None,
    names: dict[str, str],
    values: dict[str, AttributeValueTypeDef],
) -> str:
    """The write's condition; `names` and `values` gain what it refers to."""
    parts = ["attribute_exists(#id)"]
    if owner is not None:
        names["#owner"], values[":owner"] = "userId", {"S": owner}
        parts.append("#owner = :owner")
    if expected_version is not None:
        names["#version"], values[":expected"] = "version", _n(expected_version)
        if expected_version == 1:  # an item the legacy API wrote has no version: it is version 1
            parts.append("(attribute_not_exists(#version) OR #version = :expected)")
        else:
            parts.append("#version = :expected")
    return " AND ".join(parts)


class _Matches(list[Todo]):
    """A page's todos as they are read, until the page is full: one more than it shows (which
    tells there is a next page), or its todos as large as `query.max_bytes`."""

    def __init__(self, query: TodoQuery) -> None:
        super().__init__()
        self._wanted = query.first + 1
        self._bytes_left = query.max_bytes

    def gather(self, items: Sequence[Item]) -> bool:
        """Add the readable `items`, in order, until the page is full; whether it is. Items
        after that stay unread: the next page starts before them."""
        for item in items:
            todo = _readable(item)
            if todo is not None:
                self.append(todo)
                if len(self) == self._wanted or self._out_of_bytes(todo):
                    return True
        return False

    def _out_of_bytes(self, todo: Todo) -> bool:
        if self._bytes_left is None:
            return False
        self._bytes_left -= stored_bytes(todo)
        return self._bytes_left <= 0


def _is_aws_endpoint(url: str) -> bool:
    """Whether `url` is DynamoDB's own (regional, FIPS, dual-stack, a VPC endpoint), rather
    than another engine's (moto's server, dynalite, DynamoDB Local)."""
    host = urlsplit(url).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def _key(todo_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"id": {"S": todo_id}}


def _start_key(position: Position | None, *, by_user: bool) -> dict[str, Any] | None:
    if position is None:
        return None
    key: dict[str, Any] = _key(position.id)
    if by_user:
        key["userId"] = {"S": position.user_id}
        key["dateCreated"] = {"N": position.created or "0"}
    return key


def _position(key: Item) -> Position:
    """The position of a stored key (a `LastEvaluatedKey`, or an item), exactly as stored."""
    return Position(
        id=key["id"]["S"],
        user_id=_string(key.get("userId")),
        created=_number_text(key.get("dateCreated")),
    )


def _readable(item: Item) -> Todo | None:
    """The todo `item` holds, or None (logged) where no client could use it: a stored
    `version` that no `expectedVersion` could ever match."""
    version = item.get("version")
    if version is not None and _version(version) is None:
        logger.warning(
            "Skipped stored item %r: its version %s is not a whole number from 1 to %d",
            item["id"]["S"],
            _shown(version),
            MAX_VERSION,
        )
        return None
    return _to_todo(item)


def _to_todo(item: Item) -> Todo:
    """The todo `item` holds, odd values replaced (and logged) by the rules of docs/api.md
    ("Stored data we did not write")."""
    odd: list[str] = []
    created = _time(item, "dateCreated", odd, missing=0)
    todo = Todo(
        id=item["id"]["S"],
        # The legacy PUT could upsert an item with no owner or creation date; it still reads.
        user_id=_text(item, "userId", odd, missing="") or "",
        content=_text(item, "content", odd, missing=None),
        status=_text(item, "status", odd, missing="") or "",
        version=_stored_version(item, odd),
        created_ms=created,
        updated_ms=_time(item, "dateUpdated", odd, missing=created),
        position=_position(item),
    )
    if odd:
        logger.warning("Read stored item %r with odd values replaced: %s", todo.id, "; ".join(odd))
    return todo


def _text(item: Item, name: str, odd: list[str], *, missing: str | None) -> str | None:
    value = item.get(name)
    if value is not None and "S" in value:
        return value["S"]
    if value is not None or missing is not None:
        odd.append(f"{name} {_shown(value)} read as {missing!r}")
    return missing


def _time(item: Item, name: str, odd: list[str], *, missing: int) -> int:
    """Epoch milliseconds: whole, from 1970 to the end of year 9999 (what clients can take)."""
    value = item.get(name)
    number = _decimal(value)
    if number is None:
        if value is not None or name == "dateCreated":
            odd.append(f"{name} {_shown(value)} read as {missing}")
        return missing
    ms = min(max(int(number.to_integral_value(ROUND_FLOOR)), 0), MAX_TIME_MS)
    if ms != number:
        odd.append(f"{name} {_shown(value)} read as {ms}")
    return ms


def _stored_version(item: Item, odd: list[str]) -> int:
    """The version; 1 for a legacy item without one, or (for the answer to a write that met
    an item readers skip) one whose version is unusable."""
    value = item.get("version")
    version = 1 if value is None else _version(value)
    if version is None:
        odd.append(f"version {_shown(value)} read as 1")
    return version or 1


def _version(value: AttributeValueTypeDef) -> int | None:
    number = _decimal(value)
    if number is None or number != number.to_integral_value() or not 1 <= number <= MAX_VERSION:
        return None
    return int(number)


def _decimal(value: AttributeValueTypeDef | None) -> Decimal | None:
    return Decimal(value["N"]) if value is not None and "N" in value else None


def _number_text(value: AttributeValueTypeDef | None) -> str | None:
    return value["N"] if value is not None and "N" in value else None


def _shown(value: AttributeValueTypeDef | None) -> str:
    """An attribute value for a log line: its type and (the start of) its value."""
    if value is None:
        return "missing"
    kind, raw = next(iter(value.items()))
    return f"({kind}) {str(raw)[:40]}"


def _to_item(todo: Todo) -> dict[str, AttributeValueTypeDef]:
    item: dict[str, AttributeValueTypeDef] = {
        "id": {"S": todo.id},
        "userId": {"S": todo.user_id},
        "dateCreated": _n(todo.created_ms),
        "dateUpdated": _n(todo.updated_ms),
        "status": {"S": todo.status},
        "version": _n(todo.version),
    }
    if todo.content is not None:
        item["content"] = {"S": todo.content}
    return item


def _n(number: int) -> AttributeValueTypeDef:
    return {"N": str(number)}


def _string(value: AttributeValueTypeDef | None) -> str | None:
    return value.get("S") if value else None
