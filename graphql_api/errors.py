"""Domain errors: what a caller can get wrong or run into. Every door maps them once.

    TodoError
    ├── TodoNotFound      no todo has this id
    ├── VersionConflict   the todo's version is not the one the caller expected
    ├── InvalidTodo       a field breaks a rule (empty, too long); names the field
    └── InvalidQuery      a listing's arguments are unusable
        └── InvalidCursor     a cursor we did not issue, or one issued for another listing

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
