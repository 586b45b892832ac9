"""How long the hostile documents of tests/adversarial.py take to be answered.

    python -m bench.validation

For each document: its size and the median time through the engine (parse with the
token and length limits, validation, the cost check, and for the few valid documents,
execution against an empty fake), each run missing the caches by a different trailing space.
The issue's requirement is under 50 ms for any document the body limit lets through.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from graphql_api.budget import Budget
from graphql_api.config import Settings
from graphql_api.gql.context import Context
from graphql_api.gql.engine import create_engine
from graphql_api.model import OPEN_ACCESS
from graphql_api.service import TodoService
from tests.adversarial import DOCUMENTS
from tests.fakes import InMemoryTodoRepository

RUNS = 7
engine = create_engine(Settings())


def answer_ms(query: str) -> tuple[float, str]:
    context = Context(TodoService(InMemoryTodoRepository()), OPEN_ACCESS, Budget.unlimited())
    started = time.perf_counter()
    result = asyncio.run(engine.execute(query, context_value=context))
    elapsed = (time.perf_counter() - started) * 1000
    codes = sorted({(e.extensions or {}).get("code", "?") for e in result.errors or ()})
    return elapsed, ",".join(codes) or "ran"


def main() -> None:
    print(f"{'document':40} {'bytes':>8} {'median ms':>10}  outcome")
    for adversary in DOCUMENTS:
        document = adversary.build()
        runs = [answer_ms(document + " " * n) for n in range(1, RUNS + 1)]
        median = statistics.median(ms for ms, _ in runs)
        size = len(document.encode())
        print(f"{adversary.name:40} {size:>8,} {median:>10.1f}  {runs[0][1]}")


if __name__ == "__main__":
    main()
