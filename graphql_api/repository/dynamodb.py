"""The DynamoDB repository: item ⇄ `Todo` mapping, conditional writes, bounded listings.

Items keep the legacy attribute names and types (`userId`, epoch-millisecond `dateCreated` and
`dateUpdated` numbers, optional `content`, free-text `status`) plus a `version` number; an item
the legacy API wrote has no `version` and reads as version 1.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql_api.errors import TodoNotFound, VersionConflict
from graphql_api.model import Page, Position, Todo, TodoQuery
from graphql_api.repository.table import USER_INDEX

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


class DynamoDBTodoRepository:
    """Todos in one DynamoDB table (see `table.table_definition`).

    A listing looks at no more than `query.max_examined` stored items (filtered-out ones
    included); where that bound stops it, the page says there is more and where to resume.
    """

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, todo_id: str) -> Todo | None:
        response = self._client.get_item(
            TableName=self._table, Key=_key(todo_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _to_todo(item) if item else None

    def get_many(self, todo_ids: Sequence[str]) -> dict[str, Todo]:
        found: dict[str, Todo] = {}
        unique = list(dict.fromkeys(todo_ids))
        if len(unique) == 1:  # GetItem: the same read, with less to sign, send and parse
            todo = self.get(unique[0])
            return {todo.id: todo} if todo else {}
        for start in range(0, len(unique), _BATCH_GET_MAX_KEYS):
            chunk = unique[start : start + _BATCH_GET_MAX_KEYS]
            for item in self._batch_get([_key(todo_id) for todo_id in chunk]):
                todo = _to_todo(item)
                found[todo.id] = todo
        return found

    def list_todos(self, query: TodoQuery) -> Page:
        request = self._list_request(query)
        read = self._client.query if query.user_id is not None else self._client.scan
        start = _start_key(query.after, by_user=query.user_id is not None)
        matches: list[Todo] = []
        examined = 0
        while True:
            wanted = query.first + 1 - len(matches)  # one more than asked: is there a next page?
            limit = wanted if query.status is None else max(wanted, _FILTERED_READ)
            paging: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            response = read(**request, **paging, Limit=min(limit, query.max_examined - examined))
            examined += response["ScannedCount"]
            matches.extend(_to_todo(item) for item in response["Items"][:wanted])
            last = response.get("LastEvaluatedKey")
            if len(matches) > query.first:
                todos = tuple(matches[: query.first])
                return Page(todos, True, Position.of(todos[-1]), query.listing, examined)
            if not last:
                return Page(tuple(matches), False, None, query.listing, examined)
            if examined >= query.max_examined:
                return Page(tuple(matches), True, _position(last), query.listing, examined)
            start = last

    def create(self, todo: Todo) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=_to_item(todo),
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "id"},
        )

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
        condition = _condition(expected_version, owner, names, values)
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
            raise _refusal(todo_id, expected_version, owner, exc.response) from exc
        return _to_todo(response["Attributes"])

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
            raise _refusal(todo_id, expected_version, owner, exc.response) from exc
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
        raise RuntimeError(f"BatchGetItem left keys unprocessed after {_BATCH_GET_ATTEMPTS} tries")

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


def _refusal(
    todo_id: str, expected_version: int | None, owner: str | None, response: Mapping[str, Any]
) -> TodoNotFound | VersionConflict:
    item = response.get("Item")
    if not item or expected_version is None:
        return TodoNotFound(todo_id)
    todo = _to_todo(item)
    if owner is not None and todo.user_id != owner:  # another's todo: it does not exist for us
        return TodoNotFound(todo_id)
    return VersionConflict(todo_id, expected_version, todo.version)


def _key(todo_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"id": {"S": todo_id}}


def _start_key(position: Position | None, *, by_user: bool) -> dict[str, Any] | None:
    if position is None:
        return None
    key: dict[str, Any] = _key(position.id)
    if by_user:
        key["userId"] = {"S": position.user_id}
        key["dateCreated"] = _n(position.created_ms or 0)
    return key


def _position(key: Item) -> Position:
    created = key.get("dateCreated")
    return Position(
        id=key["id"]["S"],
        user_id=_string(key.get("userId")),
        created_ms=_number(created) if created else None,
    )


def _to_todo(item: Item) -> Todo:
    created = _number(item.get("dateCreated"))
    return Todo(
        id=item["id"]["S"],
        # The legacy PUT could upsert an item with no owner or creation date; it still reads.
        user_id=_string(item.get("userId")) or "",
        content=_string(item.get("content")),
        status=_string(item.get("status")) or "",
        version=_number(item.get("version"), default=1),
        created_ms=created,
        updated_ms=_number(item.get("dateUpdated"), default=created),
    )


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


def _number(value: AttributeValueTypeDef | None, default: int = 0) -> int:
    return int(Decimal(value["N"])) if value and "N" in value else default
