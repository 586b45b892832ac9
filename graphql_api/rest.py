"""The legacy REST routes (see docs/rest-contract.md), through the same service as GraphQL.

Bodies keep the legacy shapes byte for byte: compact JSON, the legacy key order, epoch
milliseconds, `Access-Control-Allow-Origin: *` on every response. Additions a legacy caller
never sees unless it asks: `?userId=` and `next` on the list, `ETag` and `If-Match`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from graphql_api import codes
from graphql_api.auth import Authenticator
from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.bodies import BodyTooLarge, dump_json, load_json, payload_size, read_body
from graphql_api.budget import Budget, for_request
from graphql_api.errors import (
    BudgetExhausted,
    DeadlineReached,
    Forbidden,
    IdempotencyKeyReused,
    InvalidCursor,
    InvalidQuery,
    InvalidTodo,
    ReadLimitReached,
    ServiceUnavailable,
    TodoError,
    TodoNotFound,
    Unauthenticated,
    VersionConflict,
)
from graphql_api.model import Caller, Position, Todo, encode_cursor
from graphql_api.refusal import Refusal
from graphql_api.request_log import note_code, note_fault, note_unexpected
from graphql_api.service import Sweep, TodoService

SAVE_FAILED = "Could not save to dynamoDB"
FETCH_FAILED = "Could not fetch wall post"
LIST_FAILED = "Could not list wall posts"
ALLOW_HEADERS = (
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent"
)
_CORS = {"Access-Control-Allow-Origin": "*"}
# Under authentication every answer is one caller's (or says who may not see it): no cache may
# keep it, nor hand it to another token.
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization"}
# An ETag we issued: a version, in ASCII digits, within DynamoDB's 38-digit numbers.
_ETAG = re.compile(r'"([0-9]{1,38})"')


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


def legacy_error(request: Request, exc: Exception) -> Response:
    """The one answer of the legacy routes to any failure, in the legacy envelope, with its
    outcome (code, storage fault, unexpected error) in the request's log line."""
    refusal = _refusal(request, exc)
    if refusal.code is not None:
        note_code(refusal.code)
    if isinstance(exc, ServiceUnavailable):
        note_fault(exc.reason, exc.operation)
    body = {"message": _failure_message(request), "description": str(refusal)}
    return _json(body, refusal.status, refusal.headers)


def _failure_message(request: Request) -> str:
    """The legacy message: each route's own (the list's, one todo's, or a write's)."""
    if request.method not in ("GET", "HEAD"):
        return SAVE_FAILED
    return FETCH_FAILED if request.path_params else LIST_FAILED


def _refusal(request: Request, exc: Exception) -> Refusal:
    match exc:
        case Refusal():
            return exc
        case BodyTooLarge():
            return Refusal(413, None, str(exc))
        case TodoNotFound() if "if-match" in request.headers:
            return Refusal(412, None, f"{exc} If-Match needs a current todo.")
        case TodoError() if answer := _answer(exc):
            status, code = answer
            return Refusal(status, code, _description(exc), _headers(exc))
    note_unexpected(exc, "a legacy route")
    return Refusal(500, None, "Internal server error.")


# Each domain error's status, and the code its log line names (where it has always named one).
_ANSWERS: dict[type[TodoError], tuple[int, str | None]] = {
    InvalidTodo: (400, None),
    InvalidQuery: (400, None),
    Unauthenticated: (401, codes.UNAUTHENTICATED),
    Forbidden: (403, codes.FORBIDDEN),
    TodoNotFound: (404, None),
    VersionConflict: (412, None),
    IdempotencyKeyReused: (422, codes.IDEMPOTENCY_KEY_REUSED),
    ReadLimitReached: (503, codes.READ_LIMIT_EXCEEDED),
    BudgetExhausted: (503, codes.DEADLINE_EXCEEDED),
    ServiceUnavailable: (503, codes.SERVICE_UNAVAILABLE),
}


def _answer(error: TodoError) -> tuple[int, str | None] | None:
    """The status and code of the nearest kind of `error` that has them."""
    return next((_ANSWERS[kind] for kind in type(error).__mro__ if kind in _ANSWERS), None)


def _description(error: TodoError) -> str:
    """The service names GraphQL's arguments; REST's cursor is `next`, its idempotency key
    a header."""
    match error:
        case InvalidCursor():
            return f"next {error.reason}."
        case InvalidTodo(field="idempotencyKey"):
            return f"The Idempotency-Key header {error.reason}."
    return str(error)


def _headers(error: TodoError) -> dict[str, str]:
    match error:
        case Unauthenticated():
            return {"WWW-Authenticate": error.challenge}
        case ServiceUnavailable():
            return {"Retry-After": str(error.retry_after)}
        case BudgetExhausted():
            return {"Retry-After": "1"}
    return {}


class LegacyRoutes:
    """`/todo` and `/todo/{id}`, with their CORS preflights.

    One route per path dispatches on the method, so that a method a path does not serve gets
    405 in the legacy envelope with the path's own `Allow`; any other path under `/todo`
    gets 404 in that envelope.
    """

    def __init__(
        self,
        service: TodoService,
        authenticator: Authenticator,
        *,
        max_body_bytes: int,
        list_max_bytes: int,
        request_timeout: float,
        overrun: float = 0.0,
        private: bool = False,
        run: RunBlocking = in_thread,
    ) -> None:
        """`private`: answers are a caller's own (authentication is on); the open API's are
        the legacy API's, headers included."""
        self._run = run
        self._headers = _PRIVATE if private else {}
        self._service = service
        self._authenticator = authenticator
        self._max_body_bytes = max_body_bytes
        self._list_max_bytes = list_max_bytes
        self._request_timeout = request_timeout
        self._overrun = overrun

    def routes(self) -> list[Route]:
        collection = {
            "POST": self.create,
            "GET": self.list_todos,
            "HEAD": self.list_todos,
            "OPTIONS": _preflight("OPTIONS,POST,GET"),
        }
        item = {
            "GET": self.fetch,
            "HEAD": self.fetch,
            "PUT": self.update,
            "DELETE": self.delete,
            "OPTIONS": _preflight("OPTIONS,DELETE,PUT,GET"),
        }
        return [
            Route("/todo", _ByMethod(collection, self._headers)),
            Route("/todo/{id}", _ByMethod(item, self._headers)),
            Route("/todo/{rest:path}", _UnknownPath(self._headers), include_in_schema=False),
        ]

    async def create(self, request: Request) -> Response:
        caller = self._caller(request)
        body = await self._json_object(request)
        user_id, content = _optional_string(body, "userId"), _optional_string(body, "content")
        todo = await self._run(
            self._service.create,
            caller,
            self._budget(request),
            user_id=user_id,
            content=content,
            idempotency_key=_idempotency_key(request),
        )
        return _json(legacy_item(todo), headers=_etag(todo))

    async def list_todos(self, request: Request) -> Response:
        caller = self._caller(request)
        params = request.query_params
        # Bounded by bytes and time rather than items: the legacy route returned everything.
        budget = self._budget(request, max_examined=sys.maxsize)
        sweep = self._service.sweep(
            caller, budget, after=params.get("next"), user_id=params.get("userId")
        )
        return _json_bytes(await self._run(self._list_body, sweep))

    async def fetch(self, request: Request) -> Response:
        caller = self._caller(request)
        todo = await self._run(
            self._service.get, caller, self._budget(request), request.path_params["id"]
        )
        if todo is None:
            return _json([])
        return _json([legacy_item(todo)], headers=_etag(todo))

    async def update(self, request: Request) -> Response:
        caller = self._caller(request)
        body = await self._json_object(request)
        content, status = _optional_string(body, "content"), _optional_string(body, "status")
        _, expected = _if_match(request)
        todo = await self._run(
            self._service.update,
            caller,
            self._budget(request),
            request.path_params["id"],
            content=content,
            status=status,
            expected_version=expected,
        )
        return _json({"Attributes": legacy_item(todo)}, headers=_etag(todo))

    async def delete(self, request: Request) -> Response:
        caller = self._caller(request)
        conditional, expected = _if_match(request)
        try:
            await self._run(
                self._service.delete,
                caller,
                self._budget(request),
                request.path_params["id"],
                expected_version=expected,
            )
        except TodoNotFound:
            if conditional:  # answered 412 (`_refusal`); without If-Match, deleting is idempotent
                raise
        return _json({})

    def _caller(self, request: Request) -> Caller:
        return self._authenticator.authenticate(
            request.headers.get("authorization"), request.scope.get("aws.event")
        )

    def _budget(self, request: Request, *, max_examined: int = 1) -> Budget:
        """A single-item route reads one item; the list's bound is bytes and time."""
        context = request.scope.get("aws.context")
        return for_request(
            context,
            max_examined=max_examined,
            max_read_bytes=self._list_max_bytes,
            timeout=self._request_timeout,
            overrun=self._overrun,
        )

    async def _json_object(self, request: Request) -> dict[str, Any]:
        raw = await read_body(request, self._max_body_bytes)
        if not raw.strip():
            raise Refusal(400, None, "The request body is empty; send a JSON object.")
        try:
            body = load_json(raw)
        except ValueError:
            raise Refusal(400, None, "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise Refusal(400, None, "The request body must be a JSON object.")
        return body

    def _list_body(self, sweep: Sweep) -> bytes:
        """`{"data":[...]}` with as many todos as fit in the size and time bounds, and `next`
        where a bound cut it."""
        room = self._list_max_bytes - len(b'{"data":[],"next":""}') - 1024  # 1024: the cursor
        items: list[bytes] = []
        last: Todo | None = None
        for todo in sweep:
            item = dump_json(legacy_item(todo))
            room -= payload_size(item) + 1
            if room < 0 and last is not None:
                return _page_body(items, sweep, last)
            items.append(item)
            last = todo
        if sweep.cut_short:
            if last is None:
                raise DeadlineReached
            return _page_body(items, sweep, last)
        return b'{"data":[' + b",".join(items) + b"]}"


def _page_body(items: list[bytes], sweep: Sweep, last: Todo) -> bytes:
    cursor = dump_json(encode_cursor(Position.of(last), sweep.listing))
    return b'{"data":[' + b",".join(items) + b'],"next":' + cursor + b"}"


class _ByMethod:
    """One path's endpoints by method, as a plain ASGI app, which Starlette routes every
    method to: a method the path does not serve gets 405 in the legacy envelope, with the
    path's own `Allow`. Every answer carries `headers` too."""

    def __init__(
        self,
        endpoints: Mapping[str, Callable[[Request], Awaitable[Response]]],
        headers: Mapping[str, str],
    ) -> None:
        self.served = frozenset(endpoints)
        self._endpoints = endpoints
        self._headers = headers
        self._allow = ", ".join(sorted(self.served))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._endpoint(request.method)(request)
        except ClientDisconnect:
            raise  # nobody to answer: the request's log line says so (request_log)
        except Exception as exc:
            response = legacy_error(request, exc)
        response.headers.update(self._headers)
        await response(scope, receive, send)

    def _endpoint(self, method: str) -> Callable[[Request], Awaitable[Response]]:
        endpoint = self._endpoints.get(method)
        if endpoint is None:
            description = f"{method} is not served here."
            raise Refusal(405, codes.METHOD_NOT_ALLOWED, description, {"Allow": self._allow})
        return endpoint


class _UnknownPath:
    """Any other path under /todo, whatever the method: 404 in the legacy envelope. (API
    Gateway answers such paths itself; the local server and Function URLs reach here.)"""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        refusal = Refusal(404, codes.NOT_FOUND, "No such route: use /todo or /todo/{id}.")
        response = legacy_error(request, refusal)
        response.headers.update(self._headers)
        await response(scope, receive, send)


def _optional_string(body: Mapping[str, Any], field: str) -> str | None:
    if field not in body:
        return None
    value = body[field]
    if not isinstance(value, str):
        raise Refusal(400, None, f"{field} must be a string.")
    return value


def _idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header: a bare token, or a quoted string as the IETF draft has
    it (the same key either way)."""
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1:
        raise Refusal(400, None, "Send one Idempotency-Key header, not several.")
    if not keys:
        return None
    key = keys[0].strip()
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _if_match(request: Request) -> tuple[bool, int | None]:
    """Whether the request is conditional, and on which version (None: any current one)."""
    header = request.headers.get("if-match")
    if header is None:
        return False, None
    tag = header.strip()
    if tag == "*":
        return True, None
    if match := _ETAG.fullmatch(tag):
        return True, int(match[1])
    raise Refusal(412, None, 'If-Match must be * or one ETag this service issued, such as "3".')


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


def _json(body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return _json_bytes(dump_json(body), status, headers)


def _json_bytes(
    body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        body, status, headers={**_CORS, **(headers or {})}, media_type="application/json"
    )
