"""The per-request context every resolver gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import strawberry
from strawberry.dataloader import DataLoader

from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.budget import Budget
from graphql_api.errors import TodoError
from graphql_api.gql.errors import F, Failures, result_for
from graphql_api.gql.types import ErrorType
from graphql_api.model import Caller, Todo
from graphql_api.service import TodoService


@dataclass
class CostAccount:
    """What a request's operations have cost and written so far: the operations of a batch
    share one cost limit and one write limit, as they share one budget."""

    spent: int = 0
    writes: int = 0
    write_bytes: int = 0


@dataclass
class Context:
    """One operation's context. The operations of a batch each have their own (and so their
    own loader: a mutation must not be answered from an earlier operation's reads), sharing
    the budget and the cost account."""

    service: TodoService
    caller: Caller
    budget: Budget
    """Shared by every field of the request: stored items examined, and time."""
    cost: CostAccount = field(default_factory=CostAccount)
    run: RunBlocking = in_thread
    """How resolvers call the service (see `blocking`)."""
    answered: list[ErrorType] = field(default_factory=list)
    """The expected failures the operation answered as results; the engine notes their codes
    in the request's log line when the operation ends."""

    def failed(self, error: TodoError, failures: Failures[F]) -> F:
        """What a mutation whose result union holds `failures` answers for `error`
        (gql/errors.result_for)."""
        answer = result_for(error, failures)
        self.answered.append(answer)
        return answer

    @cached_property
    def todo_loader(self) -> DataLoader[str, Todo | None]:
        """Batches the operation's `todo(id:)` lookups into one BatchGetItem, caching only for
        this operation; made when an operation first needs it (most never do)."""
        return DataLoader(load_fn=self._load_todos)

    async def _load_todos(self, todo_ids: Sequence[str]) -> list[Todo | None]:
        return await self.run(self.service.get_many, self.caller, self.budget, todo_ids)


Info = strawberry.Info[Context, None]
