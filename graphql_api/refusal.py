"""`Refusal`: a request refused at a door before the service acts on it, with a status.

It is a Starlette `HTTPException`, so the one kind of refusal covers Starlette's own (a route
or method the app does not serve) as well as ours, which add a stable code. GraphQL sends the
code as the error's `extensions.code` (in a batch, as that operation's error, the others
running on); the legacy routes send their envelope and log the code where they have one.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException


class Refusal(HTTPException):
    """`code` is None only on the legacy routes' refusals of a malformed request, whose log
    line has never named one."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, dict(headers or {}))
        self.code = code

    @property
    def status(self) -> int:
        return self.status_code

    def __str__(self) -> str:
        return self.detail
