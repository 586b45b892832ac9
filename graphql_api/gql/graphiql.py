"""The GraphiQL page and its files, served from this API's own origin.

The page loads nothing from elsewhere unless `TODO_GRAPHIQL_ASSETS_URL` says so: GraphiQL's
npm files (pinned in `graphiql_assets.json`, fetched at build time) and this API's start-up
script and style, all by relative URLs, so the page works under an API Gateway stage
(`/prod/graphiql`). Its Content-Security-Policy allows no inline script or style and no
origin but ours (and the asset URL's, when set). Where a deployment ships no GraphiQL files,
the page says so rather than staying blank.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from graphql_api import graphiql_assets
from graphql_api.config import Settings

ASSETS = "graphiql/assets"
_STATIC = Path(__file__).with_name("static")
_OWN_FILES = ("graphiql.css", "graphiql.js")
# Every asset path names its version (or, for our own files, their hash): a browser may keep
# it for good.
_IMMUTABLE = "public, max-age=31536000, immutable"
# GraphiQL's stylesheet embeds its fonts and icons as data: URLs.
_POLICY = (
    "default-src 'none'; script-src {src}; style-src {src}; img-src {src} data:; "
    "font-src {src} data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class _File:
    path: Path
    media_type: str


class GraphiQL:
    """The page (at `/graphiql`, and at `/graphql` for browsers) and `/graphiql/assets/…`."""

    def __init__(self, settings: Settings) -> None:
        base = settings.graphiql_assets_url
        directory = Path(settings.graphiql_assets_dir or graphiql_assets.PACKAGED)
        own = {f"todo-api/{_short_hash(_STATIC / n)}/{n}": _STATIC / n for n in _OWN_FILES}
        shipped = base is not None or graphiql_assets.complete(directory)
        self._files = {path: _file(file) for path, file in own.items()}
        self._compressed: dict[Path, bytes] = {}
        if shipped and base is None:
            self._files |= {a.path: _file(directory / a.path) for a in graphiql_assets.assets()}
        sources = "'self'" if base is None else f"'self' {_origin(base)}"
        self._headers = {
            "Content-Security-Policy": _POLICY.format(src=sources),
            # /graphql answers this page or JSON by Accept: a cache must keep them apart.
            "Vary": "Accept",
        }
        self._html = (
            _page(own, base, needs_token=settings.auth != "none") if shipped else _NOT_SHIPPED
        )

    def page(self) -> Response:
        return HTMLResponse(self._html, headers=self._headers)

    async def asset(self, request: Request) -> Response:
        file = self._files.get(request.path_params["path"])
        if file is None:
            raise HTTPException(404, "No such GraphiQL file.")
        headers = {
            "Cache-Control": _IMMUTABLE,
            "X-Content-Type-Options": "nosniff",
            "Vary": "Accept-Encoding",
        }
        if "gzip" not in request.headers.get("accept-encoding", ""):
            return FileResponse(file.path, media_type=file.media_type, headers=headers)
        body = await asyncio.to_thread(self._gzipped, file.path)
        headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=file.media_type, headers=headers)

    def _gzipped(self, path: Path) -> bytes:
        """The file compressed, once per instance: API Gateway's HTTP APIs do not compress,
        and GraphiQL's script is 3.5 MB, 0.73 MB gzipped. zlib's default level: a third of
        the maximum's time (0.3 s against 0.9 s here) for 1% more bytes."""
        if path not in self._compressed:
            self._compressed[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return self._compressed[path]


def _page(own: dict[str, Path], base: str | None, *, needs_token: bool) -> str:
    npm = [(f"{base or ASSETS}/{a.path}", a.integrity) for a in graphiql_assets.assets()]
    mine = [
        (f"{ASSETS}/{p}", graphiql_assets.sri(f.read_bytes(), "sha384")) for p, f in own.items()
    ]
    files = npm + mine
    styles = "".join(_tag(_STYLE, url, sri) for url, sri in files if url.endswith(".css"))
    scripts = "".join(_tag(_SCRIPT, url, sri) for url, sri in files if url.endswith(".js"))
    token = "true" if needs_token else "false"
    return _PAGE.format(head=styles + scripts, needs_token=token)


def _tag(template: str, url: str, integrity: str) -> str:
    return template.format(url=html.escape(url), integrity=integrity)


def _file(path: Path) -> _File:
    return _File(path, "text/css" if path.suffix == ".css" else "text/javascript")


def _short_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_STYLE = (
    '    <link rel="stylesheet" href="{url}" integrity="{integrity}" crossorigin="anonymous">\n'
)
_SCRIPT = (
    '    <script defer src="{url}" integrity="{integrity}" crossorigin="anonymous"></script>\n'
)
_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>GraphiQL · Todo API</title>
    <link rel="icon" href="data:,">
{head}  </head>
  <body>
    <div id="graphiql" data-endpoint="graphql" data-needs-token="{needs_token}">Loading…</div>
    <noscript>GraphiQL needs JavaScript; the API is at <a href="graphql">graphql</a>.</noscript>
  </body>
</html>
"""
_NOT_SHIPPED = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>GraphiQL · Todo API</title>
    <link rel="icon" href="data:,">
  </head>
  <body>
    <h1>GraphiQL is not part of this deployment</h1>
    <p>Its files were not shipped with this build, and no asset URL is set.
    <code>todo-api package</code> and <code>todo-api serve</code> fetch them from the npm
    registry; <code>TODO_GRAPHIQL_ASSETS_URL</code> points the page at another copy.</p>
    <p>The API works without it: send GraphQL requests to <a href="graphql">graphql</a>.</p>
  </body>
</html>
"""
