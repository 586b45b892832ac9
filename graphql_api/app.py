"""`create_app`: the one Starlette app both Lambda and the local server run."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graphql_api import codes
from graphql_api.auth import Authenticator
from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.config import Settings
from graphql_api.gql.engine import create_engine
from graphql_api.gql.http import GraphQLEndpoint
from graphql_api.gql.persisted import PersistedQueries
from graphql_api.repository.documents import DocumentStore
from graphql_api.request_log import RequestLog, note_code, note_unexpected
from graphql_api.rest import LegacyRoutes
from graphql_api.service import TodoService

_HTTP_CODES = {404: codes.NOT_FOUND, 405: codes.METHOD_NOT_ALLOWED}


def create_app(
    service: TodoService,
    authenticator: Authenticator,
    settings: Settings,
    documents: DocumentStore,
    *,
    run: RunBlocking = in_thread,
) -> Starlette:
    """`documents` keeps persisted queries and trusted documents (see gql/persisted.py); `run`
    is how both doors call the service (see `blocking`)."""
    persisted = PersistedQueries(
        documents,
        trusted_only=settings.trusted_documents,
        ttl_s=settings.persisted_query_ttl_days * 86_400,
        run=run,
    )
    graphql = GraphQLEndpoint(
        service, authenticator, create_engine(settings), settings, persisted, run=run
    )
    legacy = LegacyRoutes(
        service,
        authenticator,
        max_body_bytes=settings.max_body_bytes,
        list_max_bytes=settings.max_response_bytes,
        request_timeout=settings.request_timeout,
        overrun=settings.dynamodb_overrun_s,
        private=settings.auth != "none",
        run=run,
    )
    # CORS middleware on /graphql only: the legacy routes answer their own preflights with the
    # exact headers the legacy API sent.
    cors = Middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        max_age=600,
    )
    app = Starlette(
        routes=[
            Route("/", _signpost, methods=["GET"]),
            Route(
                "/graphql", graphql.__call__, methods=["GET", "POST", "OPTIONS"], middleware=[cors]
            ),
            # The page alone, for a gateway that asks a token of every /graphql request: a
            # browser's navigation sends none.
            Route("/graphiql", graphql.graphiql, methods=["GET"]),
            Route("/graphiql/assets/{path:path}", graphql.graphiql_asset, methods=["GET"]),
            *legacy.routes(),
        ],
        middleware=[Middleware(RequestLog)],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    # One URL per resource: `/graphql/` is unknown, as any other path. Starlette would redirect
    # it to an absolute URL built from the request's Host header, which the client chose.
    app.router.redirect_slashes = False
    return app


async def _signpost(request: Request) -> Response:
    """Where a newcomer's first request lands: where to go instead."""
    root = request.scope.get("root_path", "")
    return JSONResponse(
        {
            "message": "The todo API: send GraphQL to /graphql, open /graphiql in a browser.",
            "graphql": f"{root}/graphql",
            "graphiql": f"{root}/graphiql",
        }
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, codes.BAD_REQUEST)
    note_code(code)
    return JSONResponse(
        {"errors": [{"message": exc.detail, "extensions": {"code": code}}]},
        exc.status_code,
        headers=exc.headers,
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    note_unexpected(exc, f"{request.method} {request.url.path}")
    return JSONResponse(
        {
            "errors": [
                {
                    "message": "Internal server error.",
                    "extensions": {"code": codes.INTERNAL_SERVER_ERROR},
                }
            ]
        },
        500,
    )
