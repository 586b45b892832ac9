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
