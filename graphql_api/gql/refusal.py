"""`HTTPError`: a request (or one operation of a batch) refused before execution."""

from __future__ import annotations

from collections.abc import Mapping


class HTTPError(Exception):
    """A request refused before execution: status, stable code, message, extra headers.

    In a batch, an operation refused this way gets the code and message as its own error and
    the other operations run."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = dict(headers or {})
