"""`/graphql` over HTTP, following the GraphQL-over-HTTP specification.

Strawberry's own ASGI view answers 400 for an unsupported content type, always 200 for
documents that fail to parse or validate, and knows no `application/graphql-response+json`;
this endpoint does the HTTP part as the specification says, and runs operations with the
engine (gql/engine.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from graphql_api import codes
from graphql_api.auth import Authenticator
from graphql_api.blocking import RunBlocking, in_thread, one_at_a_time
from graphql_api.bodies import BodyTooLarge, dump_json, load_json, payload_size, read_body
from graphql_api.budget import Budget, for_request
from graphql_api.config import Settings
from graphql_api.errors import TodoError
from graphql_api.gql.batch import bounded_batch, checked_batch
from graphql_api.gql.context import Context, CostAccount
from graphql_api.gql.engine import Engine
from graphql_api.gql.errors import refusal_for, refused
from graphql_api.gql.graphiql import GraphiQL
from graphql_api.gql.persisted import PersistedQueries, Writes, with_document_id
from graphql_api.model import Caller
from graphql_api.refusal import Refusal
from graphql_api.request_log import note_code
from graphql_api.service import TodoService

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_GET_OPERATIONS = frozenset({OperationType.QUERY})
_POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


class GraphQLEndpoint:
    """The Starlette endpoint for `/graphql` (GET, POST, and OPTIONS for CORS preflights),
    and the GraphiQL page it serves to browsers there and at `/graphiql`."""

    def __init__(
        self,
        service: TodoService,
        authenticator: Authenticator,
        engine: Engine,
        settings: Settings,
        persisted: PersistedQueries,
        *,
        run: RunBlocking = in_thread,
    ) -> None:
        self._run = run
        self._service = service
        self._authenticator = authenticator
        self._engine = engine
        self._settings = settings
        self._persisted = persisted
        self._graphiql = GraphiQL(settings)

    async def graphiql(self, request: Request) -> Response:
        return self._graphiql.page()

    async def graphiql_asset(self, request: Request) -> Response:
        return await self._graphiql.asset(request)

    async def __call__(self, request: Request) -> Response:
        media_type = JSON
        try:
            media_type = _negotiate(request.headers.get("accept"))
            if _wants_graphiql(request):
                return self._graphiql.page()
            caller = self._caller(request)
            params, allowed = await self._read(request)
            budget = self._budget(request)
            writes = Writes(over_get=request.method == "GET")
            if isinstance(params, list):
                return await self._batch(params, caller, budget, media_type, writes)
            context = Context(self._service, caller, budget, run=one_at_a_time(self._run))
            result = await self._operation(params, allowed, context, writes)
        except Refusal as exc:
            headers = {**self._cache_headers(request, ok=False), **(exc.headers or {})}
            return _json(dump_json(refused(exc)), exc.status, media_type, headers)
        body, status = _body_and_status(result, media_type)
        headers = self._cache_headers(request, ok="errors" not in body)
        retry_after = _unavailable_for(result) if media_type == GRAPHQL_RESPONSE else None
        if retry_after is not None:
            unavailable = {**body, "data": None}
            headers["Retry-After"] = str(retry_after)
            return _json(dump_json(unavailable), 503, media_type, headers)
        return _json(self._bounded(dump_json(body)), status, media_type, headers)

    async def _batch(
        self, payload: list[Any], caller: Caller, budget: Budget, media_type: str, writes: Writes
    ) -> Response:
        operations = checked_batch(payload, self._settings.max_batch)
        cost = CostAccount()
        answers = []
        for params in operations:
            context = Context(self._service, caller, budget, cost, one_at_a_time(self._run))
            try:
                result = await self._operation(params, _POST_OPERATIONS, context, writes)
                answer, _ = _body_and_status(result, media_type)
            except Refusal as exc:
                answer = refused(exc)
            answers.append(dump_json(answer))
        body = bounded_batch(answers, self._settings.max_response_bytes, self._too_large)
        return _json(body, 200, media_type)

    async def _operation(
        self,
        params: dict[str, Any],
        allowed: frozenset[OperationType],
        context: Context,
        writes: Writes,
    ) -> ExecutionResult:
        operation = _checked(params)
        document = await self._persisted.document(
            operation.query, operation.extensions, context.budget, writes
        )
        result = await self._engine.execute(
            document.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
            allowed_operation_types=allowed,
        )
        if document.remember_as is not None and _executable(result):
            unstored = await self._persisted.remember(
                document.remember_as, document.query, context.budget, writes
            )
            if unstored is not None:
                result.extensions = {**(result.extensions or {}), "persistedQuery": unstored}
        return result

    def _cache_headers(self, request: Request, *, ok: bool) -> dict[str, str]:
        """What caches may do with a GET's answer (a POST's is never reused). It varies with
        the token and the media type; a caller's own data is never kept by a shared cache,
        nor kept at all, since todos change; an anonymous answer is kept `TODO_GET_MAX_AGE`
        seconds, when that is set."""
        if request.method != "GET":
            return {}
        max_age = self._settings.get_max_age
        if not ok or self._settings.auth != "none":
            control = "private, no-store"
        elif max_age:
            control = f"public, max-age={max_age}"
        else:
            control = "no-store"
        return {"Cache-Control": control, "Vary": "Accept, Authorization"}

    def _caller(self, request: Request) -> Caller:
        try:
            return self._authenticator.authenticate(
                request.headers.get("authorization"), request.scope.get("aws.event")
            )
        except TodoError as exc:  # no verified identity, or the token's issuer out of reach
            raise refusal_for(exc) from exc

    def _budget(self, request: Request) -> Budget:
        """The request's one budget, which every operation of a batch draws on."""
        return for_request(
            request.scope.get("aws.context"),
            max_examined=self._settings.request_max_examined,
            max_read_bytes=self._settings.max_response_bytes,
            timeout=self._settings.request_timeout,
            overrun=self._settings.dynamodb_overrun_s,
        )

    def _bounded(self, body: bytes) -> bytes:
        """The body, or an error in its place where it would take more of Lambda's response
        payload than the bound (over Lambda's limit, API Gateway answers 502 with no
        explanation)."""
        size = payload_size(body)
        if size <= self._settings.max_response_bytes:
            return body
        return self._too_large(size)

    def _too_large(self, size: int) -> bytes:
        limit = self._settings.max_response_bytes
        note_code(codes.RESPONSE_TOO_LARGE)
        message = (
            f"The response would be {size:,} bytes, over the {limit:,} this API can send. "
            "Ask for fewer todos or fields; any mutations in the request did run."
        )
        extensions = {"code": codes.RESPONSE_TOO_LARGE, "bytes": size, "limit": limit}
        return dump_json({"data": None, "errors": [{"message": message, "extensions": extensions}]})

    async def _read(self, request: Request) -> tuple[Any, frozenset[OperationType]]:
        if request.method == "GET":
            return _params_from_query_string(request.query_params), _GET_OPERATIONS
        if request.method != "POST":  # an OPTIONS that is not a CORS preflight
            raise Refusal(405, codes.METHOD_NOT_ALLOWED, "Use GET or POST.", {"Allow": "GET, POST"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise Refusal(
                415, codes.UNSUPPORTED_MEDIA_TYPE, "Send the request as application/json."
            )
        try:
            body = await read_body(request, self._settings.max_body_bytes)
        except BodyTooLarge as exc:
            raise Refusal(413, codes.PAYLOAD_TOO_LARGE, str(exc)) from exc
        try:
            params = load_json(body)
        except ValueError:
            raise Refusal(400, codes.BAD_REQUEST, "The body is not valid JSON.") from None
        if not isinstance(params, dict | list):
            raise Refusal(400, codes.BAD_REQUEST, "The body must be a JSON object or array.")
        return params, _POST_OPERATIONS


def _wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and not {"query", "extensions", "documentId"} & request.query_params.keys()
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
        raise Refusal(
            406, codes.NOT_ACCEPTABLE, f"Accept {GRAPHQL_RESPONSE} or {JSON} to get an answer."
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
                raise Refusal(400, codes.BAD_REQUEST, f"{name} is not valid JSON.") from None
    return params


class _Operation(NamedTuple):
    query: str | None
    """Absent when a persisted query names the document."""
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def _checked(params: dict[str, Any]) -> _Operation:
    query = params.get("query")
    if query is not None and (not isinstance(query, str) or not query.strip()):
        raise Refusal(400, codes.BAD_REQUEST, "query must be a non-empty string.")
    _expect(params, "variables", dict)
    _expect(params, "operationName", str)
    _expect(params, "extensions", dict)
    _expect(params, "documentId", str)
    extensions = params.get("extensions")
    if params.get("documentId") is not None:
        extensions = with_document_id(extensions, params["documentId"])
    return _Operation(query, params.get("variables"), params.get("operationName"), extensions)


def _expect(params: dict[str, Any], name: str, kind: type) -> None:
    value = params.get(name)
    if value is not None and not isinstance(value, kind):
        noun = "an object" if kind is dict else "a string"
        raise Refusal(400, codes.BAD_REQUEST, f"{name} must be {noun} when given.")


def _executable(result: ExecutionResult) -> bool:
    """The document parsed, validated and was within the cost and write limits: worth
    remembering."""
    if isinstance(result, PreExecutionError):
        return False
    return not any(
        (error.extensions or {}).get("code") in _PRICED_OUT for error in result.errors or ()
    )


_PRICED_OUT = frozenset({codes.COST_LIMIT_EXCEEDED, codes.WRITE_LIMIT_EXCEEDED})


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


def _unavailable_for(result: ExecutionResult) -> int | None:
    """The seconds to wait, where storage faults failed every field of the operation, so that
    no data at all could be produced; None where anything was answered.

    The GraphQL-over-HTTP specification wants 2xx whenever `data` is not null, and only
    recommends 200 when it is null: such a response is sent with `data` null and 503, so that
    HTTP-level clients, retry middleware and 5xx alarms see the outage for what it is.
    """
    if not isinstance(result.data, dict) or not result.data or not result.errors:
        return None
    failed: set[str] = set()
    waits: list[int] = []
    for error in result.errors:
        extensions = error.extensions or {}
        if extensions.get("code") != codes.SERVICE_UNAVAILABLE or not error.path:
            return None
        failed.add(str(error.path[0]))
        waits.append(extensions["retryAfter"])
    return max(waits) if failed == set(result.data) else None


def _json(
    body: bytes, status: int, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(body, status, headers=dict(headers or {}), media_type=media_type)
