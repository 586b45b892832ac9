"""GraphiQL's page and files through the Lambda handler, under an API Gateway stage: what the
browser test (test_graphiql_browser.py) sees, checked byte by byte."""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from graphql_api import graphiql_assets
from tests.e2e.conftest import fresh_handler
from tests.e2e.lambda_events import Handler, LambdaContext, event

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
REFERENCE = re.compile(r'(?:src|href)="([^"]*)"(?: integrity="([^"]*)")?')


@pytest.fixture
def graphiql_handler(
    monkeypatch: pytest.MonkeyPatch, graphiql_files: Path, close_mangums_loop: None
) -> Handler:
    monkeypatch.setenv("TODO_GRAPHIQL_ASSETS_DIR", str(graphiql_files))
    return fresh_handler()


def _get(handler: Handler, path: str, **headers: str) -> dict[str, Any]:
    return handler(
        event("http_api_v2", "GET", path, stage="prod", headers=headers), LambdaContext()
    )


def _text(response: dict[str, Any]) -> str:
    body: str = response["body"]
    return base64.b64decode(body).decode() if response["isBase64Encoded"] else body


@pytest.mark.parametrize(
    ("path", "accept"), [("/graphiql", "*/*"), ("/graphql", "text/html,*/*;q=0.8")]
)
def test_the_page_loads_every_file_from_our_stage_by_relative_url(
    graphiql_handler: Handler, path: str, accept: str
) -> None:
    page = _get(graphiql_handler, path, accept=accept)
    assert page["statusCode"] == 200
    assert page["headers"]["content-security-policy"] == POLICY
    assert "Accept" in page["headers"]["vary"]  # /graphql is this page or JSON, by Accept
    html = _text(page)
    references = REFERENCE.findall(html)
    assert "<script>" not in html
    assert "style=" not in html
    assert len([r for r in references if r[1]]) == 8  # six npm files and our own two

    assert {url for url, integrity in references if not integrity} == {"data:,", "graphql"}
    for url, integrity in references:
        if not integrity:
            continue
        assert "//" not in url, url  # relative: the page works under any stage or domain
        absolute = urljoin(f"https://api.example.com/prod{path}", url)
        assert absolute.startswith("https://api.example.com/prod/"), absolute
        asset = _get(graphiql_handler, absolute.removeprefix("https://api.example.com/prod"))
        assert asset["statusCode"] == 200, url
        assert asset["headers"]["cache-control"] == "public, max-age=31536000, immutable"
        assert asset["headers"]["x-content-type-options"] == "nosniff"
        assert asset["headers"]["content-encoding"] == "gzip"  # the event's browser takes it
        content = gzip.decompress(base64.b64decode(asset["body"]))
        assert graphiql_assets.sri(content, "sha384") == integrity, url


def test_files_are_sent_gzipped_to_browsers_that_take_it(graphiql_handler: Handler) -> None:
    path = "/graphiql/assets/graphiql@3.8.3/graphiql.min.js"
    plain = _get(graphiql_handler, path, **{"accept-encoding": "identity"})
    assert "content-encoding" not in plain["headers"]
    for _ in range(2):  # compressed once, then from memory
        zipped = _get(graphiql_handler, path, **{"accept-encoding": "gzip, deflate, br"})
        assert zipped["statusCode"] == 200
        assert zipped["isBase64Encoded"] is True
        assert zipped["headers"]["content-encoding"] == "gzip"
        assert zipped["headers"]["vary"] == "Accept-Encoding"
        body = base64.b64decode(zipped["body"])
        assert len(body) < len(plain["body"]) / 3  # 3.5 MB, under 1 MB gzipped
        assert gzip.decompress(body).decode() == _text(plain)


def test_the_page_sends_the_queries_to_graphql_beside_it(graphiql_handler: Handler) -> None:
    html = _text(_get(graphiql_handler, "/graphiql"))
    assert 'data-endpoint="graphql"' in html
    assert 'data-needs-token="false"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/assets/react@18.2.0/umd/react.development.js",
        "/graphiql/assets/react@18.2.0/package.json",
        "/graphiql/assets/../../etc/passwd",
        "/graphiql/assets/%2e%2e/%2e%2e/graphql_api/config.py",
        "/graphiql/assets/todo-api/0000/graphiql.js",
    ],
)
def test_only_the_pinned_files_are_served(graphiql_handler: Handler, path: str) -> None:
    response = _get(graphiql_handler, path)
    assert response["statusCode"] == 404
    assert '"NOT_FOUND"' in _text(response)


def test_a_deployment_without_the_files_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, close_mangums_loop: None
) -> None:
    monkeypatch.setenv("TODO_GRAPHIQL_ASSETS_DIR", str(tmp_path))
    page = _get(fresh_handler(), "/graphiql")
    assert page["statusCode"] == 200
    assert page["headers"]["content-security-policy"] == POLICY
    html = _text(page)
    assert "GraphiQL is not part of this deployment" in html
    assert "<script" not in html
    assert "TODO_GRAPHIQL_ASSETS_URL" in html


def test_an_asset_url_serves_npm_files_from_there_and_ours_from_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, close_mangums_loop: None
) -> None:
    monkeypatch.setenv("TODO_GRAPHIQL_ASSETS_DIR", str(tmp_path))
    monkeypatch.setenv("TODO_GRAPHIQL_ASSETS_URL", "https://cdn.jsdelivr.net/npm/")
    handler = fresh_handler()
    page = _get(handler, "/graphiql")
    cdn = "'self' https://cdn.jsdelivr.net"
    assert page["headers"]["content-security-policy"] == POLICY.replace(
        "script-src 'self'", f"script-src {cdn}"
    ).replace("style-src 'self'", f"style-src {cdn}").replace(
        "img-src 'self'", f"img-src {cdn}"
    ).replace("font-src 'self'", f"font-src {cdn}")
    urls = [url for url, integrity in REFERENCE.findall(_text(page)) if integrity]
    npm = [u for u in urls if u.startswith("https://cdn.jsdelivr.net/npm/")]
    assert "https://cdn.jsdelivr.net/npm/graphiql@3.8.3/graphiql.min.js" in npm
    assert len(npm) == 6
    own = [u for u in urls if u not in npm]
    assert [u.rsplit("/", 1)[1] for u in own] == ["graphiql.css", "graphiql.js"]
    assert all(_get(handler, f"/{u}")["statusCode"] == 200 for u in own)
    npm_path = "/graphiql/assets/graphiql@3.8.3/graphiql.min.js"
    assert _get(handler, npm_path)["statusCode"] == 404
