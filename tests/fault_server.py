"""A DynamoDB endpoint that fails on demand: a real HTTP server on loopback in front of a moto
server, so botocore's own connection handling, timeouts and retries run against it.

Each request it receives takes the next fault from a script, or the standing fault; `None`
passes it to moto. Refusal is the real thing: the listening socket is closed, so connecting
gets ECONNREFUSED, and reopened on the same port.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_AMZ_JSON = "application/x-amz-json-1.0"
_DYNAMODB = "com.amazonaws.dynamodb.v20120810#"
_STALL_LIMIT_S = 30  # a stalled request is released by the test, or after this


class Fault(Enum):
    STALL = "stall"  # read the request, never answer
    THROTTLE = "throttle"  # 400 ProvisionedThroughputExceededException, as DynamoDB sends it
    ERROR_500 = "error_500"  # 500 InternalServerError
    ERROR_503 = "error_503"  # 503 ServiceUnavailable
    REQUEST_LIMIT = "request_limit"  # 400 RequestLimitExceeded: the account's on-demand limit
    APPLY_THEN_STALL = "apply_then_stall"  # moto applies it; the answer never comes
    OMIT_OLD_ITEM = "omit_old_item"  # moto answers; a refused write's old item is left out
    UNKNOWN_OPERATION = "unknown_operation"  # 400, as dynalite answers the TTL operations


_ANSWERS = {
    Fault.THROTTLE: (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    Fault.ERROR_500: (500, "InternalServerError", "Internal server error"),
    Fault.ERROR_503: (503, "ServiceUnavailable", "Service unavailable"),
    Fault.REQUEST_LIMIT: (
        400,
        "RequestLimitExceeded",
        "Throughput exceeds the current throughput limit for your account.",
    ),
    Fault.UNKNOWN_OPERATION: (400, "UnknownOperationException", ""),
}


class FaultyDynamoDB:
    def __init__(self, upstream: str) -> None:
        self._upstream = urlsplit(upstream).netloc
        self._lock = threading.Lock()
        self._script: list[Fault | None] = []
        self._standing: Fault | None = None
        self._by_operation: dict[str, Fault] = {}
        self._released = threading.Event()
        self.operations: list[str] = []  # every request received, by operation name
        self._server = self._listen(0)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def fail(self, fault: Fault | None) -> None:
        """Every request from now on meets `fault` (None: none)."""
        with self._lock:
            self._standing, self._script = fault, []

    def fail_next(self, *faults: Fault | None) -> None:
        """The next requests meet these faults, one each; then the standing one."""
        with self._lock:
            self._script = list(faults)

    def fail_operation(self, operation: str, fault: Fault) -> None:
        """Every `operation` request from now on meets `fault`, whatever the script says."""
        with self._lock:
            self._by_operation[operation] = fault

    def refuse(self) -> None:
        """Close the listening socket: connections are refused until `accept()`."""
        self._server.shutdown()
        self._server.server_close()

    def accept(self) -> None:
        self._server = self._listen(self.port)

    def release_stalled(self) -> None:
        """End the stalls under way; later ones stall again."""
        released, self._released = self._released, threading.Event()
        released.set()

    def close(self) -> None:
        self.release_stalled()
        self._server.shutdown()
        self._server.server_close()

    def _next_fault(self, operation: str) -> Fault | None:
        with self._lock:
            self.operations.append(operation)
            if operation in self._by_operation:
                return self._by_operation[operation]
            return self._script.pop(0) if self._script else self._standing

    def _listen(self, port: int) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def _forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self._upstream, timeout=10)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            kept = {k: v for k, v in response.getheaders() if k.lower() != "transfer-encoding"}
            return response.status, kept, response.read()
        finally:
            connection.close()


def _handler_for(faulty: FaultyDynamoDB) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # One request per connection: a refusal then reaches every later request (a kept-alive
        # connection would outlive the closed listening socket).
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            operation = self.headers.get("x-amz-target", "").rpartition(".")[2]
            fault = faulty._next_fault(operation)
            if fault in _ANSWERS:
                status, code, message = _ANSWERS[fault]
                answer = json.dumps({"__type": _DYNAMODB + code, "message": message}).encode()
                self._send(status, {"content-type": _AMZ_JSON}, answer)
                return
            stalls = faulty._released
            if fault is Fault.STALL:
                stalls.wait(_STALL_LIMIT_S)
                return
            status, headers, answer = faulty._forward(body, dict(self.headers.items()))
            if fault is Fault.APPLY_THEN_STALL:
                stalls.wait(_STALL_LIMIT_S)
                return
            if fault is Fault.OMIT_OLD_ITEM:
                headers, answer = _without_item(headers, answer)
            self._send(status, headers, answer)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "server", "date", "connection"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            # The client may have stopped waiting (its read timeout): what a stall is for.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests assert on `operations`."""

    return Handler


def _without_item(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    """What dynalite answers a refused conditional write: the error, never the old item (and no
    CRC of the body, which would no longer match)."""
    answer = json.loads(body)
    if "ConditionalCheckFailed" not in answer.get("__type", ""):
        return headers, body
    answer.pop("Item", None)
    kept = {k: v for k, v in headers.items() if k.lower() != "x-amz-crc32"}
    return kept, json.dumps(answer).encode()


@contextmanager
def faulty_dynamodb(upstream: str) -> Iterator[FaultyDynamoDB]:
    faulty = FaultyDynamoDB(upstream)
    try:
        yield faulty
    finally:
        faulty.close()
