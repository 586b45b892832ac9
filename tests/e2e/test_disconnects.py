"""A client that leaves mid-body, on the local server: one INFO line, no error, no 500."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlsplit

import pytest

from graphql_api.request_log import CLIENT_CLOSED_REQUEST
from tests.e2e.conftest import StartServer


def _leave_mid_body(url: str, path: str) -> None:
    """Announce 1,000 bytes of body, send 6, and close the connection."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port)) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"a":1')


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The request's line, once the server has written it (it runs in another thread)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [r for r in caplog.records if r.name == "graphql_api.request"]
        if lines:
            time.sleep(0.2)  # room for any record written after it, which the test must see
            return [r for r in caplog.records if r.name == "graphql_api.request"]
        time.sleep(0.02)
    raise AssertionError("the server wrote no request line")


@pytest.mark.parametrize("path", ["/graphql", "/todo"])
def test_a_client_that_leaves_mid_body_is_one_info_line_and_no_500(
    start_server: StartServer, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO)
    with start_server() as url:
        caplog.clear()
        _leave_mid_body(url, path)
        (line,) = _request_lines(caplog)

    logged = {name: getattr(line, name) for name in ("method", "path", "status", "codes")}
    assert (line.levelname, line.exc_info) == ("INFO", None)
    assert logged == {"method": "POST", "path": path, "status": CLIENT_CLOSED_REQUEST, "codes": []}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [r for r in caplog.records if r.exc_info] == []
