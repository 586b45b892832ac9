"""One structured JSON log line per request.

The `RequestLog` middleware opens a `RequestRecord` for each request in a context variable;
the layers below add what they learn (the GraphQL operation, outcome codes, DynamoDB calls,
an unexpected exception) and the middleware writes the line when the response is sent.

The formatter is python-json-logger on the standard `logging` module: it adds about 2 ms to a
cold start, where structlog and Powertools' Logger each add over 20 ms (bench figures in the
bench/README.md).
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("graphql_api.request")
# nginx's status for a request its client abandoned before the answer: never sent, only logged.
CLIENT_CLOSED_REQUEST = 499


@dataclass
class RequestRecord:
    method: str
    path: str
    request_id: str | None
    status: int | None = None
    operation_name: str | None = None
    operation_type: str | None = None
    codes: list[str] = field(default_factory=list)
    dynamodb_calls: int = 0
    error: BaseException | None = None
    faults: list[dict[str, str]] = field(default_factory=list)


_current: ContextVar[RequestRecord | None] = ContextVar("request_record", default=None)


def current() -> RequestRecord | None:
    return _current.get()


def note_code(code: str) -> None:
    """An outcome worth knowing: an error code sent to the client, or a mutation's failure."""
    if record := _current.get():
        record.codes.append(code)


def note_unexpected(error: BaseException, where: str) -> None:
    """Keep the exception for the request's log line; outside a request, log it now."""
    record = _current.get()
    if record is None:
        logging.getLogger("graphql_api").error("unexpected error in %s", where, exc_info=error)
    elif record.error is None:
        record.error = error


def note_fault(reason: str, operation: str) -> None:
    """Storage gave up on a call (throttled, failing, out of reach): the request's line becomes
    a WARNING naming it, with no traceback, since nothing of ours broke; outside a request,
    the warning is logged now."""
    fault = {"reason": reason, "operation": operation}
    if record := _current.get():
        record.faults.append(fault)
    else:
        logging.getLogger("graphql_api").warning("storage unavailable", extra=fault)


def count_dynamodb_call(**_: Any) -> None:
    """A botocore `before-call.dynamodb` hook; DynamoDB calls run in worker threads, which
    carry the request's context with them."""
    if record := _current.get():
        record.dynamodb_calls += 1


class RequestLog:
    """ASGI middleware writing each request's line when its response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = scope.get("aws.context")
        record = RequestRecord(
            scope["method"], scope["path"], getattr(context, "aws_request_id", None)
        )
        token = _current.set(record)
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except ClientDisconnect:
            # Gone mid-body: nobody to answer and nothing of ours broke, so no error and no
            # response (uvicorn sends none to a closed connection).
            record.status = CLIENT_CLOSED_REQUEST
        except BaseException as exc:
            record.error = record.error or exc
            record.status = record.status or 500  # Starlette's outermost layer answers it
            raise
        finally:
            _current.reset(token)
            _write(record, (time.perf_counter() - started) * 1000)


def _write(record: RequestRecord, duration_ms: float) -> None:
    fields = {
        "requestId": record.request_id,
        "method": record.method,
        "path": record.path,
        "status": record.status,
        "operationName": record.operation_name,
        "operationType": record.operation_type,
        "codes": record.codes,
        "durationMs": round(duration_ms, 2),
        "dynamodbCalls": record.dynamodb_calls,
    }
    if record.error is not None:
        logger.error("request", extra=fields, exc_info=record.error)
    elif record.faults:
        logger.warning("request", extra={**fields, "faults": record.faults})
    else:
        logger.info("request", extra=fields)


def configure_logging(level: str = "INFO", *, text: bool = False) -> None:
    """JSON lines on stderr for everything, or on the handlers Lambda's runtime installed;
    with `text`, lines for a person at a terminal."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    formatter = TextFormatter() if text else _json_formatter()
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(level)
    if level != "DEBUG":
        # botocore says where it found credentials on every cold start; Mangum writes a second
        # line per request (method, path, status) that ours already carries.
        logging.getLogger("botocore").setLevel(logging.WARNING)
        logging.getLogger("mangum").setLevel(logging.WARNING)


def _json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        # uvicorn's lines carry a copy of their message in terminal colours.
        reserved_attrs=[*RESERVED_ATTRS, "color_message", "taskName"],
    )


# Every character that ends a line somewhere (C0, DEL, C1, U+2028/2029) or drives a terminal
# (ESC), written as Python writes it in a string literal: a client's `%0A` in a path cannot
# forge a line, nor its `%1B` recolour one.
_CONTROLS = {
    code: ascii(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}
_CONTROLS_BUT_NEWLINE = {code: text for code, text in _CONTROLS.items() if code != 0x0A}


class TextFormatter(logging.Formatter):
    """`09:04:19 INFO  POST /graphql 200 18.4 ms mutation Create dynamodb=1`: the request
    line's fields in reading order, other records as `logger: message`; one line each."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(message)s", datefmt="%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        if record.name == logger.name and hasattr(record, "durationMs"):
            message = _request_line(record.__dict__)
        else:
            # uvicorn logs its every line, start-up included, as "uvicorn.error".
            name = "uvicorn" if record.name == "uvicorn.error" else record.name
            message = f"{name}: {record.message}"
        record.message = message.translate(_CONTROLS)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        """A traceback keeps its lines; any other control character in it is escaped."""
        return super().formatException(ei).translate(_CONTROLS_BUT_NEWLINE)

    def formatStack(self, stack_info: str) -> str:
        return stack_info.translate(_CONTROLS_BUT_NEWLINE)


def _request_line(fields: dict[str, Any]) -> str:
    parts = [fields["method"], fields["path"], str(fields["status"]), f"{fields['durationMs']} ms"]
    if fields["operationType"]:
        parts.append(f"{fields['operationType']} {fields['operationName'] or ''}".rstrip())
    if fields["codes"]:
        parts.append(",".join(fields["codes"]))
    if fields["dynamodbCalls"]:
        parts.append(f"dynamodb={fields['dynamodbCalls']}")
    return " ".join(parts)
