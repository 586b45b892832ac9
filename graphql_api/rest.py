"""The legacy REST routes (see `rest-contract.md`), through the same service as GraphQL.

Bodies keep the legacy shapes byte for byte: compact JSON, the legacy key order, epoch
milliseconds, `Access-Control-Allow-Origin: *` on every response. Additions a legacy caller
never sees unless it asks: `?userId=` and `next` on the list, `ETag` and `If-Match`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import wraps
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphql_api.bodies import BodyTooLarge, read_body
from graphql_api.errors import InvalidQuery, InvalidTodo, TodoNotFound, VersionConflict
from graphql_api.model import Position, Todo, encode_cursor
from graphql_api.request_log import note_unexpected
from graphql_api.service import TodoService

SAVE_FAILED = "Could not save to dynamoDB"
FETCH_FAILED = "Could not fetch wall post"
LIST_FAILED = "Could not list wall posts"
ALLOW_HEADERS = (
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent"
)
_CORS = {"Access-Control-Allow-Origin": "*"}

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Response]])


class _Refused(Exception):
    """A caller's mistake found at this door (the body's JSON, a field's type, If-Match)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


def legacy_item(todo: Todo) -> dict[str, Any]:
    """The legacy item: its keys in the legacy order, `content` only when there is one."""
    item: dict[str, Any] = {
        "id": todo.id,
        "userId": todo.user_id,
        "dateCreated": todo.created_ms,
        "dateUpdated": todo.updated_ms,
    }
    if todo.content is not None:
        item["content"] = todo.content
    item["status"] = todo.status
    return item


def _failing_with(message: str) -> Callable[[Endpoint], Endpoint]:
    """Answer any failure of the endpoint with the legacy envelope and `message`."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def run(*args: Any) -> Response:
            try:
                return await endpoint(*args)
            except Exception as exc:
                status, description = _status_and_description(exc)
                return _json({"message": message, "description": description}, status)

        return run  # type: ignore[return-value]

    return decorate


def _status_and_description(exc: Exception) -> tuple[int, str]:
    match exc:
        case _Refused():
            return exc.status, str(exc)
        case BodyTooLarge():
            return 413, str(exc)
        case InvalidTodo() | InvalidQuery():
            return 400, str(exc)
        case TodoNotFound():
            return 404, str(exc)
        case VersionConflict():
            return 412, str(exc)
    note_unexpected(exc, "a legacy route")
    return 500, "Internal server error."


class LegacyRoutes:
    """`/todo` and `/todo/{id}`, with their CORS preflights."""

    def __init__(self, service: TodoService, *, max_body_bytes: int, list_max_bytes: int) -> None:
        self._service = service
        self._max_body_bytes = max_body_bytes
        self._list_max_bytes = list_max_bytes

    def routes(self) -> list[Route]:
        return [
            Route("/todo", self.create, methods=["POST"]),
            Route("/todo", self.list_todos, methods=["GET"]),
            Route("/todo", _preflight("OPTIONS,POST,GET"), methods=["OPTIONS"]),
            Route("/todo/{id}", self.fetch, methods=["GET"]),
            Route("/todo/{id}", self.update, methods=["PUT"]),
            Route("/todo/{id}", self.delete, methods=["DELETE"]),
            Route("/todo/{id}", _preflight("OPTIONS,DELETE,PUT,GET"), methods=["OPTIONS"]),
        ]

    @_failing_with(SAVE_FAILED)
    async def create(self, request: Request) -> Response:
        body = await self._json_object(request)
        user_id = body.get("userId")
        if not isinstance(user_id, str):
            raise _Refused(400, "userId is required and must be a string.")
        content = _optional_string(body, "content")
        todo = await asyncio.to_thread(self._service.create, user_id=user_id, content=content)
        return _json(legacy_item(todo), headers=_etag(todo))

    @_failing_with(LIST_FAILED)
    async def list_todos(self, request: Request) -> Response:
        params = request.query_params
        todos = self._service.iterate_todos(after=params.get("next"), user_id=params.get("userId"))
        return _json_bytes(await asyncio.to_thread(self._list_body, todos))

    @_failing_with(FETCH_FAILED)
    async def fetch(self, request: Request) -> Response:
        todo = await asyncio.to_thread(self._service.get, request.path_params["id"])
        if todo is None:
            return _json([])
        return _json([legacy_item(todo)], headers=_etag(todo))

    @_failing_with(SAVE_FAILED)
    async def update(self, request: Request) -> Response:
        body = await self._json_object(request)
        content, status = _optional_string(body, "content"), _optional_string(body, "status")
        conditional, expected = _if_match(request)
        try:
            todo = await asyncio.to_thread(
                self._service.update,
                request.path_params["id"],
                content=content,
                status=status,
                expected_version=expected,
            )
        except TodoNotFound as exc:
            if conditional:
                raise _Refused(412, f"{exc} If-Match needs a current todo.") from exc
            raise
        return _json({"Attributes": legacy_item(todo)}, headers=_etag(todo))

    @_failing_with(SAVE_FAILED)
    async def delete(self, request: Request) -> Response:
        conditional, expected = _if_match(request)
        try:
            await asyncio.to_thread(
                self._service.delete, request.path_params["id"], expected_version=expected
            )
        except TodoNotFound as exc:
            if conditional:
                raise _Refused(412, f"{exc} If-Match needs a current todo.") from exc
        return _json({})

    async def _json_object(self, request: Request) -> dict[str, Any]:
        raw = await read_body(request, self._max_body_bytes)
        if not raw.strip():
            raise _Refused(400, "The request body is empty; send a JSON object.")
        try:
            body = json.loads(raw)
        except ValueError:
            raise _Refused(400, "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise _Refused(400, "The request body must be a JSON object.")
        return body

    def _list_body(self, todos: Iterator[Todo]) -> bytes:
        """`{"data":[...]}` with as many todos as fit, and `next` where the bound cut it."""
        room = self._list_max_bytes - len(b'{"data":[],"next":""}') - 512  # 512: the cursor
        items: list[bytes] = []
        last: Todo | None = None
        for todo in todos:
            item = _dumps(legacy_item(todo)).encode()
            room -= len(item) + 1
            if room < 0 and last is not None:
                cursor = _dumps(encode_cursor(Position.of(last))).encode()
                return b'{"data":[' + b",".join(items) + b'],"next":' + cursor + b"}"
            items.append(item)
            last = todo
        return b'{"data":[' + b",".join(items) + b"]}"


def _optional_string(body: Mapping[str, Any], field: str) -> str | None:
    if field not in body:
        return None
    value = body[field]
    if not isinstance(value, str):
        raise _Refused(400, f"{field} must be a string.")
    return value


def _if_match(request: Request) -> tuple[bool, int | None]:
    """Whether the request is conditional, and on which version (None: any current one)."""
    header = request.headers.get("if-match")
    if header is None:
        return False, None
    tag = header.strip()
    if tag == "*":
        return True, None
    if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return True, int(tag[1:-1])
    raise _Refused(412, 'If-Match must be * or one ETag this service issued, such as "3".')


def _etag(todo: Todo) -> dict[str, str]:
    return {"ETag": f'"{todo.version}"', "Access-Control-Expose-Headers": "ETag"}


def _preflight(methods: str) -> Callable[[Request], Awaitable[Response]]:
    headers = {
        **_CORS,
        "Access-Control-Allow-Methods": methods,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
    }

    async def preflight(request: Request) -> Response:
        return Response(b"", 200, headers=headers, media_type="application/json")

    return preflight


_dumps: Callable[[object], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return _json_bytes(_dumps(body).encode(), status, headers)


def _json_bytes(
    body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        body, status, headers={**_CORS, **(headers or {})}, media_type="application/json"
    )
