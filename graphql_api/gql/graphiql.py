"""The GraphiQL page: Strawberry's own, pointed at `/graphql` from wherever it is served
(`/graphiql`, or `/graphql` itself under a stage prefix), and, where the API needs a token,
saying how to send one."""

from __future__ import annotations

from strawberry.http.ides import get_graphql_ide_html

_ENDPOINT = 'const fetchURL = window.location.href.split("?")[0];'
_ENDPOINT_HERE = 'const fetchURL = new URL("graphql", window.location.href).href;'
_WELCOME = "const EXAMPLE_QUERY = `# Welcome to GraphiQL 🍓\n"
_HEADERS = "React.useState(parameters.headers)"
_AUTH_NOTE = """#
# This API needs a bearer token. Open the Headers tab below and set:
#
#     {"Authorization": "Bearer <your token>"}
#
# Running locally with `todo-api serve --auth`, `todo-api token <user id>`
# prints one.
"""
_AUTH_HEADERS = """React.useState(
          parameters.headers || '{"Authorization": "Bearer <your token>"}',
        )"""


def graphiql_html(*, needs_token: bool) -> str:
    html = _replace(get_graphql_ide_html("graphiql"), _ENDPOINT, _ENDPOINT_HERE)
    if needs_token:
        html = _replace(html, _WELCOME, _WELCOME + _AUTH_NOTE)
        html = _replace(html, _HEADERS, _AUTH_HEADERS)
    return html


def _replace(html: str, old: str, new: str) -> str:
    # A Strawberry upgrade that changes its page must fail loudly here, not serve a page that
    # posts to the wrong URL.
    if html.count(old) != 1:
        raise RuntimeError(f"Strawberry's GraphiQL page has changed: {old!r} not found once")
    return html.replace(old, new)
