"""GraphiQL in headless Chromium against the local server: a create, then a query.

The page loads its scripts from unpkg; this machine cannot reach it, so the test answers those
requests from the same packages installed from npm (tests/e2e/graphiql, `npm ci`).
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

NODE_MODULES = Path(__file__).parent / "graphiql" / "node_modules"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
UNPKG = re.compile(r"^https://unpkg\.com/((?:@[^/]+/)?[^@/]+)@([^/]+)/(.+)$")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not NODE_MODULES.is_dir():
        return "no GraphiQL packages (npm ci --prefix tests/e2e/graphiql)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if reason := _missing():
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _serve_from_npm(route: Route) -> None:
    match = UNPKG.match(route.request.url)
    assert match, f"unexpected CDN request {route.request.url}"
    package, version, path = match.groups()
    installed = json.loads((NODE_MODULES / package / "package.json").read_text())["version"]
    assert installed == version, (
        f"GraphiQL asks for {package}@{version}, tests/e2e/graphiql has {installed}"
    )
    file = NODE_MODULES / package / path
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    route.fulfill(
        body=file.read_bytes(),
        headers={"content-type": content_type, "access-control-allow-origin": "*"},
    )


def _run(page: Page, url: str, operation: str) -> str:
    page.goto(f"{url}/graphql?q={quote(operation)}")
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response .CodeMirror-code")
    expect(result).to_contain_text('"data"', timeout=15_000)
    return result.inner_text()


@pytest.mark.browser
def test_graphiql_runs_a_create_and_a_query(browser: Browser, server: str, tmp_path: Path) -> None:
    page = browser.new_page()
    page.route(re.compile(r"^https://unpkg\.com/"), _serve_from_npm)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    created = _run(
        page,
        server,
        'mutation { createTodo(input: {userId: "ann", content: "from GraphiQL"}) '
        "{ ... on Todo { id version } } }",
    )
    assert '"version": 1' in created

    listed = _run(page, server, '{ todos(userId: "ann") { nodes { content status } } }')
    assert '"content": "from GraphiQL"' in listed
    assert '"status": "pending"' in listed
    page.screenshot(path=str(tmp_path / "graphiql.png"))
    assert errors == []
