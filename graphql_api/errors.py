"""Domain errors: what a caller can get wrong or run into. Every door maps them once.

    TodoError
    ├── TodoNotFound      no todo has this id (that the caller may see)
    ├── VersionConflict   the todo's version is not the one the caller expected
    ├── InvalidTodo       a field breaks a rule (empty, too long, not text); names the field
    ├── InvalidQuery      a listing's arguments are unusable
    │   └── InvalidCursor     a cursor we did not issue, or one issued for another listing
    ├── Unauthenticated   the request carries no identity we can verify
    ├── Forbidden         the caller may not act for that user
    ├── IdempotencyKeyReused  a create's idempotency key already stands for other input
    ├── BudgetExhausted   the request has spent what one request may
    │   ├── ReadLimitReached  the stored items it may examine
    │   └── DeadlineReached   its time
    └── ServiceUnavailable  storage stayed throttled, failing or out of reach through every
                            attempt; the same request may succeed in a moment

Anything else raised below the doors is unexpected: masked for the client, logged with detail.
"""

from __future__ import annotations


class TodoError(Exception):
    """Base of every expected failure."""


class TodoNotFound(TodoError):
    def __init__(self, todo_id: str) -> None:
        super().__init__(f"No todo has id {todo_id!r}.")
        self.todo_id = todo_id


class VersionConflict(TodoError):
    def __init__(self, todo_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"Todo {todo_id!r} is at version {current}, not the expected version {expected}."
        )
        self.todo_id = todo_id
        self.expected = expected
        self.current = current


class InvalidTodo(TodoError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}.")
        self.field = field
        self.reason = reason


class InvalidQuery(TodoError):
    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument} {reason}.")
        self.argument = argument
        self.reason = reason


class InvalidCursor(InvalidQuery):
    def __init__(self, cursor: str) -> None:
        super().__init__("after", "is not a cursor this listing issued")
        self.cursor = cursor


class Unauthenticated(TodoError):
    def __init__(self, reason: str, *, token_given: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token_given = token_given

    @property
    def challenge(self) -> str:
        """The `WWW-Authenticate` header to answer with (RFC 6750)."""
        return 'Bearer error="invalid_token"' if self.token_given else "Bearer"


class Forbidden(TodoError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}.")
        self.field = field
        self.reason = reason


class IdempotencyKeyReused(TodoError):
    def __init__(self, key: str) -> None:
        super().__init__(
            "This idempotency key was used for a create with other input; "
            "use a new key for a new todo."
        )
        self.key = key


class BudgetExhausted(TodoError):
    """Nothing was read or written for the refused part; what came before it stands."""


class ReadLimitReached(BudgetExhausted):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"This request has examined the {limit:,} stored todos one request may; "
            "ask for the rest in another request."
        )
        self.limit = limit


class ReadBytesLimitReached(ReadLimitReached):
    """The todos a request has read are as large as the largest answer it may send: reading
    more could only build an answer to refuse."""

    def __init__(self, limit: int) -> None:
        TodoError.__init__(
            self,
            f"This request has read {limit:,} bytes of todos, as much as one answer may carry; "
            "ask for the rest in another request.",
        )
        self.limit = limit


class DeadlineReached(BudgetExhausted):
    def __init__(self) -> None:
        super().__init__(
            "This request ran out of time before this part could start; "
            "ask for it in another request."
        )


class ServiceUnavailable(TodoError):
    """`reason` is the AWS error code (`ProvisionedThroughputExceededException`,
    `InternalServerError`) or the transport's failure (`ReadTimeout`, `ConnectionFailed`);
    `operation` the storage call that gave up. A write that gave up this way may or may not
    have been applied, never in part: it was one conditional request."""

    def __init__(self, reason: str, operation: str, *, retry_after: int) -> None:
        super().__init__(f"The todo store is unavailable ({reason}); try again in {retry_after} s.")
        self.reason = reason
        self.operation = operation
        self.retry_after = retry_after
