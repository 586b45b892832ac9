"""How the doors call the service, whose DynamoDB calls block: in a worker thread, or inline.

Under uvicorn many requests share one event loop, so each blocking call goes to a worker
thread and the loop serves the others meanwhile (`in_thread`). A Lambda instance serves one
request at a time: nothing could run meanwhile, and each hop (a hand-off to a worker and a
wake-up of the loop) would be paid for nothing, so the Lambda handler calls inline
(`inline`). The composition root chooses; `in_thread`, right anywhere, is the default.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class RunBlocking(Protocol):
    def __call__(
        self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Awaitable[T]: ...


in_thread: RunBlocking = asyncio.to_thread


async def inline(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    return function(*args, **kwargs)
