"""GraphiQL in headless Chromium, with every request to another origin blocked: the page,
served by the API itself, loads, renders and runs operations — on the local server, and
through the Lambda handler under an API Gateway stage (tests/e2e/gateway.py), with a token
typed into its Headers tab when authentication is on."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import boto3
import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from tests.conftest import REGION, TABLE, CallCounter
from tests.e2e.conftest import StartServer, fresh_handler
from tests.e2e.gateway import stage
from tests.e2e.lambda_events import Handler
from todo_tools.tables import create_table
from todo_tools.tokens import issue

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "a-secret-for-the-browser-test-32-bytes-or-more"
CREATE = (
    'mutation { createTodo(input: {userId: "ann", content: "from GraphiQL"}) '
    "{ ... on Todo { id version } } }"
)
LIST = '{ todos(userId: "ann") { nodes { content status } } }'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page whose requests off `origin` are aborted and recorded, and whose errors (a
    Content-Security-Policy violation among them) are recorded."""

    page: Page
    origin: str
    off_origin: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        if f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" == self.origin:
            route.continue_()
        else:
            self.off_origin.append(url)
            route.abort()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    page = browser.new_page()
    yield Watched(page, "")
    page.close()


def _watch(watched: Watched, base_url: str) -> Watched:
    parts = urlsplit(base_url)
    watched.origin = f"{parts.scheme}://{parts.netloc}"
    watched.page.route("**/*", watched.route)
    watched.page.on("pageerror", lambda error: watched.errors.append(str(error)))
    watched.page.on(
        "console", lambda m: watched.errors.append(m.text) if m.type == "error" else None
    )
    return watched


def _open(watched: Watched, url: str, operation: str) -> None:
    response = watched.page.goto(f"{url}/graphiql?q={quote(operation)}")
    assert response is not None
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "unsafe" not in policy


def _run(page: Page) -> str:
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response .CodeMirror-code")
    expect(result).to_contain_text('"data"', timeout=15_000)
    return result.inner_text()


def _create_then_list(watched: Watched, url: str, token: str | None = None) -> None:
    for operation in (CREATE, LIST):
        _open(watched, url, operation)
        if token:
            _set_headers(watched.page, f'{{"Authorization": "Bearer {token}"}}')
        output = _run(watched.page)
        if operation == CREATE:
            assert '"version": 1' in output
    assert '"content": "from GraphiQL"' in output
    assert '"status": "pending"' in output


def _set_headers(page: Page, headers: str) -> None:
    page.get_by_role("button", name="Headers").click()
    editor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    expect(editor).to_contain_text('"Bearer <your token>"')  # the page says what to send
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(headers)


@pytest.mark.browser
def test_graphiql_runs_a_create_and_a_query_with_nothing_off_origin(
    watched: Watched, start_server: StartServer, graphiql_files: Path, tmp_path: Path
) -> None:
    with start_server(graphiql_assets_dir=str(graphiql_files)) as url:
        _create_then_list(_watch(watched, url), url)
    watched.page.screenshot(path=str(tmp_path / "graphiql.png"))
    assert watched.off_origin == []
    assert watched.errors == []


@pytest.fixture(params=["open", "jwt"])
def staged_handler(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    graphiql_files: Path,
    calls: CallCounter,
) -> Handler:
    """The Lambda handler over moto, as deployed with the files packaged, open or with
    authentication on. (It runs on the gateway's thread, which closes its own loop.)"""
    monkeypatch.setenv("TODO_GRAPHIQL_ASSETS_DIR", str(graphiql_files))
    if request.param == "jwt":
        monkeypatch.setenv("TODO_AUTH", "jwt")
        monkeypatch.setenv("TODO_JWT_SECRET", SECRET)
    create_table(boto3.client("dynamodb", region_name=REGION), TABLE)
    return fresh_handler()


@pytest.mark.browser
def test_graphiql_works_under_a_stage_through_the_lambda_handler(
    watched: Watched, staged_handler: Handler
) -> None:
    token = issue(SECRET, "ann", expires_s=600) if os.environ.get("TODO_AUTH") else None
    with stage(staged_handler, "prod") as url:
        _create_then_list(_watch(watched, url), url, token)
        assert watched.page.url.startswith(f"{url}/graphiql?")
    assert watched.off_origin == []
    assert watched.errors == []


@pytest.mark.browser
def test_graphiql_under_auth_opens_asking_for_a_token_and_sends_nothing_without_one(
    watched: Watched, start_server: StartServer, graphiql_files: Path
) -> None:
    """As `todo-api serve --auth` serves it: the page's first words ask for a token, no
    request leaves with the placeholder, and the schema loads once a token is typed."""
    settings = {"auth": "jwt", "jwt_secret": SECRET, "graphiql_assets_dir": str(graphiql_files)}
    with start_server(**settings) as url:
        page = _watch(watched, url).page
        sent: list[str | None] = []
        page.on(
            "request",
            lambda r: sent.append(r.headers.get("authorization")) if _api(r.url) else None,
        )
        _open(watched, url, LIST)
        response = page.locator(".graphiql-response .CodeMirror-code")
        expect(response).to_contain_text("Paste your token into the Headers tab", timeout=15_000)
        assert sent == []
        token = issue(SECRET, "ann", expires_s=600)
        with page.expect_request(lambda r: _api(r.url)) as schema_request:
            _set_headers(page, f'{{"Authorization": "Bearer {token}"}}')
        assert "IntrospectionQuery" in (schema_request.value.post_data or "")
        assert '"nodes": []' in _run(page)
    assert set(sent) == {f"Bearer {token}"}
    assert watched.off_origin == []
    assert watched.errors == []


def _api(url: str) -> bool:
    return urlsplit(url).path.endswith("/graphql")
