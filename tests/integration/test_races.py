"""Two updates racing on the same expected version, through the real repository on moto:
the conditional write lets exactly one of them win, every round.

DynamoDB applies the writes to one item one at a time, each checking its condition against
what the one before left. In-process moto does not: two threads can both pass the check, and
both writes land (this test, run on it, fails within a few dozen rounds). So the race runs against
moto's HTTP server answering one request at a time, which serializes as DynamoDB does; the
two contenders still send at once, from two threads over two connections.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from graphql_api.compose import dynamodb_client
from graphql_api.config import Settings
from graphql_api.errors import VersionConflict
from graphql_api.model import Todo
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from todo_tools.tables import create_table

ROUNDS = 100


@pytest.fixture
def repository() -> Iterator[DynamoDBTodoRepository]:
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = Settings(
        table_name=f"todos-{uuid.uuid4().hex[:8]}",
        dynamodb_endpoint=f"http://127.0.0.1:{server.server_port}",
    )
    client = dynamodb_client(settings, local_credentials=True)
    create_table(client, settings.table_name)
    yield DynamoDBTodoRepository(client, settings.table_name, records_table=settings.records_table)
    server.shutdown()
    thread.join()


def race(repository: DynamoDBTodoRepository, todo_id: str, version: int) -> list[object]:
    """Both contenders start together; each returns the todo it wrote or its conflict."""
    start = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def contend(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = repository.update(
                todo_id,
                changes={"content": f"contender {index}"},
                updated_ms=version,
                expected_version=version,
                owner="ann",
            )
        except VersionConflict as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_of_two_concurrent_updates_of_one_version_exactly_one_wins_every_round(
    repository: DynamoDBTodoRepository,
) -> None:
    repository.create(Todo("raced", "ann", "start", "pending", 1, 0, 0))
    for version in range(1, ROUNDS + 1):
        outcomes = race(repository, "raced", version)
        winners = [o for o in outcomes if isinstance(o, Todo)]
        losers = [o for o in outcomes if isinstance(o, VersionConflict)]
        assert len(winners) == len(losers) == 1, f"round {version}: {outcomes}"
        assert (losers[0].expected, losers[0].current) == (version, version + 1)
        stored = repository.get("raced")
        assert stored == winners[0]
        assert winners[0].version == version + 1
