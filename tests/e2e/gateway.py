"""A local stand-in for an API Gateway HTTP API stage: HTTP requests on a loopback port become
payload 2.0 events (tests/e2e/events) for the Lambda handler, the stage's name in front of
every path, as a browser meets the deployed API."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.e2e.lambda_events import Handler, LambdaContext, event


@contextmanager
def stage(handler: Handler, name: str = "prod") -> Iterator[str]:
    """Serve `handler` at `http://127.0.0.1:<port>/<name>/…`; yields that base URL."""

    class Gateway(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._invoke()

        def do_POST(self) -> None:
            self._invoke()

        def _invoke(self) -> None:
            url = urlsplit(self.path)
            prefix = f"/{name}"
            if not url.path.startswith(prefix + "/"):
                self.send_error(404)  # API Gateway's own answer outside the stage
                return
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode() if length else None
            payload = event(
                "http_api_v2",
                self.command,
                url.path.removeprefix(prefix),
                body=body,
                query=dict(parse_qsl(url.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                stage=name,
            )
            self._reply(handler(payload, LambdaContext()))

        def _reply(self, response: dict[str, object]) -> None:
            raw = str(response.get("body") or "")
            data = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
            self.send_response(int(str(response["statusCode"])))
            headers = response.get("headers") or {}
            assert isinstance(headers, dict)
            for header, value in headers.items():
                if header.lower() != "content-length":
                    self.send_header(header, str(value))
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """The handler logs each request itself."""

    server = HTTPServer(("127.0.0.1", 0), Gateway)

    def serve() -> None:
        # Mangum runs each invocation on this thread's event loop, as on Lambda.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            server.serve_forever(poll_interval=0.05)
        finally:
            loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{name}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
