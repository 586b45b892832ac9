"""`/graphql` over HTTP, following the GraphQL-over-HTTP specification.

Strawberry's own ASGI view answers 400 for an unsupported content type, always 200 for
documents that fail to parse or validate, and knows no `application/graphql-response+json`;
this endpoint keeps Strawberry's execution (schema, caches, extensions) and its GraphiQL page,
and does the HTTP part as the specification says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType

from graphql_api.auth import Authenticator
from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.bodies import BodyTooLarge, dump_json, load_json, read_body
from graphql_api.budget import for_request
from graphql_api.config import Settings
from graphql_api.errors import Unauthenticated
from graphql_api.gql.context import Context
from graphql_api.gql.graphiql import graphiql_html
from graphql_api.model import Caller
from graphql_api.request_log import note_code
from graphql_api.service import TodoService

RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_GET_OPERATIONS = frozenset({OperationType.QUERY})
_POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


class HTTPError(Exception):
    """A request refused before execution: status, stable code, message, extra headers."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = dict(headers or {})


class GraphQLEndpoint:
    """The Starlette endpoint for `/graphql` (GET, POST, and OPTIONS for CORS preflights),
    and the GraphiQL page it serves to browsers there and at `/graphiql`."""

    def __init__(
        self,
        service: TodoService,
        authenticator: Authenticator,
        schema: strawberry.Schema,
        settings: Settings,
        run: RunBlocking = in_thread,
    ) -> None:
        self._run = run
        self._service = service
        self._authenticator = authenticator
        self._schema = schema
        self._settings = settings
        self._graphiql = graphiql_html(needs_token=settings.auth != "none")

    async def graphiql(self, request: Request) -> Response:
        return HTMLResponse(self._graphiql)

    async def __call__(self, request: Request) -> Response:
        media_type = JSON
        try:
            media_type = _negotiate(request.headers.get("accept"))
            if _wants_graphiql(request):
                return HTMLResponse(self._graphiql)
            caller = self._caller(request)
            params, allowed = await self._read(request)
            result = await self._execute(params, allowed, self._context(request, caller))
        except HTTPError as exc:
            note_code(exc.code)
            body = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
            return _json(dump_json(body), exc.status, media_type, exc.headers)
        body, status = _body_and_status(result, media_type)
        return _json(self._bounded(dump_json(body)), status, media_type)

    def _caller(self, request: Request) -> Caller:
        try:
            return self._authenticator.authenticate(
                request.headers.get("authorization"), request.scope.get("aws.event")
            )
        except Unauthenticated as exc:
            raise HTTPError(
                401, "UNAUTHENTICATED", str(exc), {"WWW-Authenticate": exc.challenge}
            ) from exc

    def _context(self, request: Request, caller: Caller) -> Context:
        budget = for_request(
            request.scope.get("aws.context"),
            max_examined=self._settings.request_max_examined,
            timeout=self._settings.request_timeout,
        )
        return Context(self._service, caller, budget, self._run)

    def _bounded(self, body: bytes) -> bytes:
        """The body, or an error in its place where it is over what Lambda can return (API
        Gateway would answer 502 with no explanation)."""
        limit = self._settings.max_response_bytes
        if len(body) <= limit:
            return body
        note_code(RESPONSE_TOO_LARGE)
        message = (
            f"The response would be {len(body):,} bytes, over the {limit:,} this API can send. "
            "Ask for fewer todos or fields; any mutations in the request did run."
        )
        extensions = {"code": RESPONSE_TOO_LARGE, "bytes": len(body), "limit": limit}
        return dump_json({"data": None, "errors": [{"message": message, "extensions": extensions}]})

    async def _read(self, request: Request) -> tuple[dict[str, Any], frozenset[OperationType]]:
        if request.method == "GET":
            return _params_from_query_string(request.query_params), _GET_OPERATIONS
        if request.method != "POST":  # an OPTIONS that is not a CORS preflight
            raise HTTPError(405, "METHOD_NOT_ALLOWED", "Use GET or POST.", {"Allow": "GET, POST"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise HTTPError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the request as application/json.")
        try:
            body = await read_body(request, self._settings.max_body_bytes)
        except BodyTooLarge as exc:
            raise HTTPError(413, "PAYLOAD_TOO_LARGE", str(exc)) from exc
        try:
            params = load_json(body)
        except ValueError:
            raise HTTPError(400, "BAD_REQUEST", "The body is not valid JSON.") from None
        return params, _POST_OPERATIONS

    async def _execute(
        self, params: object, allowed: frozenset[OperationType], context: Context
    ) -> ExecutionResult:
        query, variables, operation_name, extensions = _checked(params)
        try:
            return await self._schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=allowed,
                operation_extensions=extensions,
            )
        except InvalidOperationTypeError as exc:
            raise HTTPError(
                405, "METHOD_NOT_ALLOWED", "Mutations must be sent with POST.", {"Allow": "POST"}
            ) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPError(400, "BAD_REQUEST", exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPError(400, "BAD_REQUEST", "The request has no query.") from exc


def _wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def _negotiate(accept: str | None) -> str:
    """The response media type for an Accept header; 406 when it allows neither JSON type."""
    if not accept:
        return JSON
    ranked: dict[str, float] = {}
    for part in accept.split(","):
        media_range, _, rest = part.partition(";")
        quality = 1.0
        for parameter in rest.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                quality = _quality(value)
        ranked[media_range.strip().lower()] = quality
    graphql = ranked.get(GRAPHQL_RESPONSE, 0.0)
    # A wildcard alone gets application/json: what older clients that send */* expect.
    json_ = max(ranked.get(JSON, 0.0), ranked.get("application/*", 0.0), ranked.get("*/*", 0.0))
    if graphql == json_ == 0.0:
        if "text/html" in ranked:  # a browser, shown a JSON error rather than nothing
            return JSON
        raise HTTPError(
            406, "NOT_ACCEPTABLE", f"Accept {GRAPHQL_RESPONSE} or {JSON} to get an answer."
        )
    return GRAPHQL_RESPONSE if graphql >= json_ else JSON


def _quality(value: str) -> float:
    try:
        return min(max(float(value), 0.0), 1.0)
    except ValueError:
        return 1.0


def _params_from_query_string(query_params: Mapping[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = dict(query_params)
    for name in ("variables", "extensions"):
        if params.get(name):
            try:
                params[name] = load_json(params[name])
            except ValueError:
                raise HTTPError(400, "BAD_REQUEST", f"{name} is not valid JSON.") from None
    return params


def _checked(
    params: object,
) -> tuple[str, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    if not isinstance(params, dict):
        raise HTTPError(400, "BAD_REQUEST", "The body must be a JSON object.")
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise HTTPError(400, "BAD_REQUEST", "query must be a non-empty string.")
    _expect(params, "variables", dict)
    _expect(params, "operationName", str)
    _expect(params, "extensions", dict)
    return query, params.get("variables"), params.get("operationName"), params.get("extensions")


def _expect(params: dict[str, Any], name: str, kind: type) -> None:
    value = params.get(name)
    if value is not None and not isinstance(value, kind):
        noun = "an object" if kind is dict else "a string"
        raise HTTPError(400, "BAD_REQUEST", f"{name} must be {noun} when given.")


def _body_and_status(result: ExecutionResult, media_type: str) -> tuple[dict[str, Any], int]:
    body: dict[str, Any] = {}
    request_error = result.data is None and any(not e.path for e in result.errors or ())
    if not request_error:
        body["data"] = result.data
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    # application/json keeps 200 for every executed request, as older clients expect; the
    # newer media type tells a request that never reached execution by its status.
    status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
    return body, status


def _json(
    body: bytes, status: int, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(body, status, headers=dict(headers or {}), media_type=media_type)
