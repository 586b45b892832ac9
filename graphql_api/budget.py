"""What one request may spend: stored items examined and bytes of todos read, across all its
fields, and time.

A door opens one `Budget` per request; the service draws on it before each call to storage, so
every part of a request that starts can finish, and the parts after the budget runs out are
refused without touching storage. The budget a door opened is also the request's `current()`
one, which storage client hooks consult (see `compose.AttemptDeadline`). Standard library only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from graphql_api.errors import DeadlineReached, ReadBytesLimitReached, ReadLimitReached
from graphql_api.model import Todo, stored_bytes

UNBOUNDED = 2**63


class Budget:
    """Thread-safe: a request's fields resolve concurrently, each reading in a worker thread,
    so a read reserves its allowance before it starts and gives back what it did not use."""

    def __init__(
        self,
        *,
        max_examined: int,
        max_read_bytes: int = UNBOUNDED,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`deadline` is a `clock()` reading; None for no deadline."""
        self._max_examined = max_examined
        self._left = max_examined
        self._max_read_bytes = max_read_bytes
        self._bytes_left = max_read_bytes
        self._deadline = deadline
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def starting_now(
        cls,
        *,
        max_examined: int,
        seconds: float,
        max_read_bytes: int = UNBOUNDED,
        clock: Callable[[], float] = time.monotonic,
    ) -> Budget:
        return cls(
            max_examined=max_examined,
            max_read_bytes=max_read_bytes,
            deadline=clock() + seconds,
            clock=clock,
        )

    @classmethod
    def unlimited(cls) -> Budget:
        """For callers with no request around them (scripts, tests of the rules)."""
        return cls(max_examined=UNBOUNDED)

    @property
    def examined(self) -> int:
        return self._max_examined - self._left

    @property
    def out_of_time(self) -> bool:
        return self._deadline is not None and self._clock() >= self._deadline

    def check_time(self) -> None:
        if self.out_of_time:
            raise DeadlineReached

    def reserve(self, wanted: int) -> int:
        """Take up to `wanted` items' allowance for the next read (all that is left, if less)."""
        self.check_time()
        with self._lock:
            if self._left <= 0:
                raise ReadLimitReached(self._max_examined)
            if self._bytes_left <= 0:
                raise ReadBytesLimitReached(self._max_read_bytes)
            granted = min(wanted, self._left)
            self._left -= granted
            return granted

    @property
    def bytes_left(self) -> int:
        return max(self._bytes_left, 0)

    def release(self, unused: int) -> None:
        with self._lock:
            self._left += unused

    def count_read(self, todos: Iterable[Todo]) -> None:
        """Charge what a read brought back. A read that starts may finish (a page is at most
        100 todos, or one DynamoDB response of 1 MB); the reads after it are refused."""
        size = sum(map(stored_bytes, todos))
        with self._lock:
            self._bytes_left -= size


# A request's work runs in worker threads, which carry the context they were started from.
_current: ContextVar[Budget | None] = ContextVar("budget", default=None)


def current() -> Budget | None:
    """The budget of the request this code runs for; None outside requests."""
    return _current.get()


# Time kept back from Lambda's remaining time, to answer before the invocation is cut off.
DEADLINE_MARGIN_S = 1.0


def for_request(
    lambda_context: object | None,
    *,
    max_examined: int,
    max_read_bytes: int,
    timeout: float,
    overrun: float = 0.0,
) -> Budget:
    """A request's budget: `timeout` seconds from now, or less when Lambda's invocation ends
    sooner (its context knows the remaining time), keeping `overrun` (how long storage calls
    may run past the deadline) and `DEADLINE_MARGIN_S` to answer."""
    seconds = timeout
    remaining_ms: Callable[[], int] | None = getattr(
        lambda_context, "get_remaining_time_in_millis", None
    )
    if remaining_ms is not None:
        seconds = min(timeout, remaining_ms() / 1000 - DEADLINE_MARGIN_S - overrun)
    budget = Budget.starting_now(
        max_examined=max_examined, max_read_bytes=max_read_bytes, seconds=seconds
    )
    _current.set(budget)
    return budget
