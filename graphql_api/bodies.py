"""Request bodies under a size limit, and JSON in and out, for both doors.

Starlette's own `max_body_size` answers 413 in plain text; each door here answers in its own
documented JSON shape, so it reads the body itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

_compact: Callable[[object], str] = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":")
).encode
_compact_ascii: Callable[[object], str] = json.JSONEncoder(separators=(",", ":")).encode


# How Lambda's Python runtime writes a body into the invocation payload, a JSON string: `"`,
# `\` and the five C0 controls with a short escape take two bytes, the other C0 controls six
# (`\u001f`). Python 3.12+ runtimes write other characters as themselves (`ensure_ascii` off);
# U+2028 and U+2029 are counted as escaped (six bytes for their three), which can only overcount.
_SHORT_ESCAPES = b'"\\\b\f\n\r\t'
_ESCAPED = _SHORT_ESCAPES + bytes(c for c in range(0x20) if c not in _SHORT_ESCAPES)
_LINE_SEPARATORS = (b"\xe2\x80\xa8", b"\xe2\x80\xa9")


def payload_size(body: bytes) -> int:
    """The bytes `body` (UTF-8 text) takes in Lambda's response payload once JSON-escaped: what
    Lambda's 6 MB limit counts, up to twice the body's own size (six times for control
    characters). One pass per byte class, in C: about a millisecond per megabyte."""
    escaped = len(body) - len(body.translate(None, _ESCAPED))
    short = len(body) - len(body.translate(None, _SHORT_ESCAPES))
    separators = sum(map(body.count, _LINE_SEPARATORS)) if b"\xe2\x80" in body else 0
    return len(body) + short + 5 * (escaped - short) + 3 * separators


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is over {limit} bytes.")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to be over `limit` bytes."""
    declared = request.headers.get("content-length", "")
    # isdigit() alone accepts "²", which int() refuses.
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def load_json(raw: bytes | str) -> Any:
    """`json.loads`, with every way a client's text can fail to parse as a ValueError (deep
    nesting, `[[[[…`, raises RecursionError)."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def dump_json(value: object) -> bytes:
    """Compact JSON in UTF-8, non-ASCII written as itself. A lone surrogate (which JSON's
    `\\ud800` escape can bring in, and which UTF-8 cannot carry) falls back to ASCII escapes,
    so echoing a client's input can never fail."""
    try:
        return _compact(value).encode()
    except UnicodeEncodeError:
        return _compact_ascii(value).encode()
