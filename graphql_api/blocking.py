"""How the doors call the service, whose DynamoDB calls block: in a worker thread, or inline.

Under uvicorn many requests share one event loop, so each blocking call goes to a worker
thread and the loop serves the others meanwhile (`in_thread`). A Lambda instance serves one
request at a time: nothing could run meanwhile, and each hop (a hand-off to a worker and a
wake-up of the loop) would be paid for nothing, so the Lambda handler calls inline
(`inline`). The composition root chooses; `in_thread`, right anywhere, is the default.

Inline, an operation's fields call the service one after another; in threads they would
overlap, each holding its share of the request's budget at once, so a document that Lambda
answers whole could see one field refused under uvicorn. `one_at_a_time` gives an operation
Lambda's order wherever it runs.
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


def one_at_a_time(run: RunBlocking) -> RunBlocking:
    """`run`, with each call waiting for the one before it to finish (for one operation)."""
    if run is inline:  # inline calls cannot overlap: no lock to pay for
        return run
    lock = asyncio.Lock()

    async def serially(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        async with lock:
            return await run(function, *args, **kwargs)

    return serially
