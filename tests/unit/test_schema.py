"""The schema over the in-memory fake, called with variables as clients do."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from graphql_api.budget import Budget
from graphql_api.config import Settings
from graphql_api.gql.context import Context
from graphql_api.gql.engine import MAX_ALIASES, MAX_TOKENS, create_engine
from graphql_api.model import MAX_CONTENT_LENGTH, OPEN_ACCESS, Page, Todo, TodoQuery
from graphql_api.service import TodoService
from tests.fakes import InMemoryTodoRepository

engine = create_engine(Settings())

TODO_FIELDS = "id userId content status version dateCreated dateUpdated"
CREATE = f"""
mutation Create($input: CreateTodoInput!) {{
  createTodo(input: $input) {{
    __typename
    ... on Todo {{ {TODO_FIELDS} }}
    ... on Error {{ code message }}
    ... on ValidationFailed {{ field }}
  }}
}}"""
UPDATE = """
mutation Update($input: UpdateTodoInput!) {
  updateTodo(input: $input) {
    __typename
    ... on Todo { id content status version }
    ... on Error { code message }
    ... on VersionConflict { expectedVersion currentVersion }
    ... on TodoNotFound { id }
    ... on ValidationFailed { field }
  }
}"""
DELETE = """
mutation Delete($input: DeleteTodoInput!) {
  deleteTodo(input: $input) {
    __typename
    ... on Todo { id version }
    ... on Error { code }
    ... on VersionConflict { currentVersion }
  }
}"""
TODOS = """
query Todos($first: Int, $after: String, $userId: String, $status: String, $order: TodoOrder!) {
  todos(first: $first, after: $after, userId: $userId, status: $status, order: $order) {
    edges { cursor node { id status } }
    nodes { id }
    pageInfo { hasNextPage endCursor }
  }
}"""


class CountingRepository(InMemoryTodoRepository):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def get_many(self, todo_ids: Sequence[str]) -> dict[str, Todo]:
        self.batches.append(list(todo_ids))
        return super().get_many(todo_ids)


class BrokenRepository(InMemoryTodoRepository):
    def list_todos(self, query: TodoQuery) -> Page:
        raise RuntimeError("table arn:aws:dynamodb:eu-west-1:123456789012:table/secret is gone")


@pytest.fixture
def repository() -> CountingRepository:
    return CountingRepository()


def run(repository: InMemoryTodoRepository, query: str, **variables: Any) -> dict[str, Any]:
    result = asyncio.run(
        engine.execute(
            query,
            variable_values=variables,
            context_value=Context(TodoService(repository), OPEN_ACCESS, Budget.unlimited()),
        )
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return response


def create(repository: InMemoryTodoRepository, **fields: str) -> dict[str, Any]:
    data: dict[str, Any] = run(repository, CREATE, input=fields)["data"]["createTodo"]
    return data


def test_create_returns_the_new_todo_with_iso_utc_dates(repository: CountingRepository) -> None:
    todo = create(repository, userId="ann", content="milk")
    assert todo["__typename"] == "Todo"
    assert (todo["userId"], todo["content"], todo["status"], todo["version"]) == (
        "ann",
        "milk",
        "pending",
        1,
    )
    stored = repository.todos[todo["id"]]
    assert todo["dateCreated"] == todo["dateUpdated"]
    assert todo["dateCreated"].endswith("+00:00")
    from datetime import datetime

    parsed = datetime.fromisoformat(todo["dateCreated"])
    assert int(parsed.timestamp() * 1000) == stored.created_ms


def test_create_with_overlong_content_is_a_validation_failure_naming_the_field(
    repository: CountingRepository,
) -> None:
    result = create(repository, userId="ann", content="x" * (MAX_CONTENT_LENGTH + 1))
    assert result == {
        "__typename": "ValidationFailed",
        "code": "VALIDATION_FAILED",
        "message": f"content must be at most {MAX_CONTENT_LENGTH} characters long.",
        "field": "content",
    }
    assert repository.todos == {}


def test_create_without_content_is_refused_by_the_schema(repository: CountingRepository) -> None:
    response = run(repository, CREATE, input={"userId": "ann"})
    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert repository.todos == {}


def test_update_leaves_absent_fields_as_they_are(repository: CountingRepository) -> None:
    todo = create(repository, userId="ann", content="milk")
    result = run(repository, UPDATE, input={"id": todo["id"], "status": "done"})
    assert result["data"]["updateTodo"] == {
        "__typename": "Todo",
        "id": todo["id"],
        "content": "milk",
        "status": "done",
        "version": 2,
    }


@pytest.mark.parametrize("field", ["content", "status"])
def test_update_refuses_explicit_null_as_a_validation_failure(
    repository: CountingRepository, field: str
) -> None:
    todo = create(repository, userId="ann", content="milk")
    result = run(repository, UPDATE, input={"id": todo["id"], field: None})
    assert result == {
        "data": {
            "updateTodo": {
                "__typename": "ValidationFailed",
                "code": "VALIDATION_FAILED",
                "message": f"{field} cannot be null; leave it out to keep it as it is.",
                "field": field,
            }
        }
    }
    assert repository.todos[todo["id"]].version == 1


def test_update_refuses_a_null_literal_as_a_variable_is(repository: CountingRepository) -> None:
    todo = create(repository, userId="ann", content="milk")
    literal = UPDATE.replace("($input: UpdateTodoInput!)", "").replace(
        "input: $input", f'input: {{id: "{todo["id"]}", status: null}}'
    )
    result = run(repository, literal)
    assert result["data"]["updateTodo"]["field"] == "status"
    assert "Maybe" not in str(result)
    assert repository.todos[todo["id"]].version == 1


def test_update_with_stale_version_reports_the_current_one(
    repository: CountingRepository,
) -> None:
    todo = create(repository, userId="ann", content="milk")
    run(repository, UPDATE, input={"id": todo["id"], "status": "doing"})
    result = run(
        repository, UPDATE, input={"id": todo["id"], "status": "done", "expectedVersion": 1}
    )
    conflict = result["data"]["updateTodo"]
    assert conflict["__typename"] == "VersionConflict"
    assert (conflict["code"], conflict["expectedVersion"], conflict["currentVersion"]) == (
        "VERSION_CONFLICT",
        1,
        2,
    )
    assert repository.todos[todo["id"]].status == "doing"


def test_update_of_unknown_id_is_not_found(repository: CountingRepository) -> None:
    result = run(repository, UPDATE, input={"id": "ghost", "status": "done"})
    assert result["data"]["updateTodo"]["__typename"] == "TodoNotFound"
    assert result["data"]["updateTodo"]["code"] == "NOT_FOUND"
    assert repository.todos == {}


def test_update_with_empty_status_is_a_validation_failure(repository: CountingRepository) -> None:
    todo = create(repository, userId="ann", content="milk")
    result = run(repository, UPDATE, input={"id": todo["id"], "status": ""})
    assert result["data"]["updateTodo"]["field"] == "status"


def test_delete_returns_the_deleted_todo(repository: CountingRepository) -> None:
    todo = create(repository, userId="ann", content="milk")
    result = run(repository, DELETE, input={"id": todo["id"], "expectedVersion": 1})
    assert result["data"]["deleteTodo"] == {"__typename": "Todo", "id": todo["id"], "version": 1}
    assert repository.todos == {}


def test_delete_with_stale_version_conflicts(repository: CountingRepository) -> None:
    todo = create(repository, userId="ann", content="milk")
    result = run(repository, DELETE, input={"id": todo["id"], "expectedVersion": 7})
    assert result["data"]["deleteTodo"] == {
        "__typename": "VersionConflict",
        "code": "VERSION_CONFLICT",
        "currentVersion": 1,
    }
    assert todo["id"] in repository.todos


def test_delete_of_unknown_id_is_not_found(repository: CountingRepository) -> None:
    result = run(repository, DELETE, input={"id": "ghost"})
    assert result["data"]["deleteTodo"] == {"__typename": "TodoNotFound", "code": "NOT_FOUND"}


def test_aliased_lookups_cost_one_batch(repository: CountingRepository) -> None:
    ids = [create(repository, userId="ann", content=str(n))["id"] for n in range(3)]
    query = (
        "query($a: ID!, $b: ID!, $c: ID!) { a: todo(id: $a) { id } b: todo(id: $b) { id } "
        'c: todo(id: $c) { id } d: todo(id: $a) { id } e: todo(id: "ghost") { id } }'
    )
    result = run(repository, query, a=ids[0], b=ids[1], c=ids[2])
    assert result["data"] == {
        "a": {"id": ids[0]},
        "b": {"id": ids[1]},
        "c": {"id": ids[2]},
        "d": {"id": ids[0]},
        "e": None,
    }
    assert repository.batches == [[ids[0], ids[1], ids[2], "ghost"]]


def test_a_lone_lookup_reads_without_the_loader(repository: CountingRepository) -> None:
    todo_id = create(repository, userId="ann", content="milk")["id"]
    context = Context(TodoService(repository), OPEN_ACCESS, Budget.unlimited())
    query = "query($id: ID!) { todo(id: $id) { id } }"
    result = asyncio.run(
        engine.execute(query, variable_values={"id": todo_id}, context_value=context)
    )
    assert result.data == {"todo": {"id": todo_id}}
    assert repository.batches == [[todo_id]]
    assert "todo_loader" not in vars(context)  # made only when an operation batches


def test_lookups_in_a_fragment_are_batched(repository: CountingRepository) -> None:
    a, b = (create(repository, userId="ann", content=str(n))["id"] for n in range(2))
    query = (
        "query($a: ID!, $b: ID!) { ...Pair } "
        "fragment Pair on Query { a: todo(id: $a) { id } b: todo(id: $b) { id } }"
    )
    result = run(repository, query, a=a, b=b)
    assert result["data"] == {"a": {"id": a}, "b": {"id": b}}
    assert repository.batches == [[a, b]]


def test_too_many_aliases_are_refused(repository: CountingRepository) -> None:
    fields = " ".join(f'a{n}: todo(id: "{n}") {{ id }}' for n in range(MAX_ALIASES + 1))
    result = run(repository, "{ " + fields + " }")
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert repository.batches == []


def test_documents_over_the_token_limit_are_refused_before_validation(
    repository: CountingRepository,
) -> None:
    wide = "{ " + "__typename " * MAX_TOKENS + "}"
    result = run(repository, wide)
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert f"more than {MAX_TOKENS} tokens" in result["errors"][0]["message"]


def test_deeply_nested_documents_are_refused(repository: CountingRepository) -> None:
    deep = "{ __schema { types { " + "fields { type { " * 300 + "name" + " } }" * 300 + " } } }"
    result = run(repository, deep)
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


def test_pages_connect_through_cursors(repository: CountingRepository) -> None:
    for n in range(7):
        create(repository, userId="ann", content=str(n))
    seen: list[str] = []
    after = None
    while True:
        data = run(repository, TODOS, first=3, after=after, userId="ann", order="OLDEST_FIRST")
        connection = data["data"]["todos"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        assert connection["nodes"] == [edge["node"] for edge in connection["edges"]] or all(
            n["id"] == e["node"]["id"]
            for n, e in zip(connection["nodes"], connection["edges"], strict=True)
        )
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    # Todos made within one millisecond are ordered by id, as the listing orders them.
    assert seen == sorted(repository.todos, key=lambda i: (repository.todos[i].created_ms, i))


def test_status_filter_keeps_only_that_status(repository: CountingRepository) -> None:
    ids = [create(repository, userId="ann", content=str(n))["id"] for n in range(6)]
    for todo_id in ids[::2]:
        run(repository, UPDATE, input={"id": todo_id, "status": "done"})
    data = run(repository, TODOS, first=10, status="done", order="NEWEST_FIRST")
    assert sorted(e["node"]["id"] for e in data["data"]["todos"]["edges"]) == sorted(ids[::2])


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"userId": ""}, "userId"),
    ],
)
def test_unusable_listing_arguments_are_bad_user_input(
    repository: CountingRepository, variables: dict[str, Any], argument: str
) -> None:
    result = run(repository, TODOS, order="NEWEST_FIRST", **variables)
    assert result["data"] == {"todos": None}  # one field fails, not the response
    error = result["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert error["path"] == ["todos"]


def test_unexpected_errors_are_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    result = run(BrokenRepository(), TODOS, order="NEWEST_FIRST")
    assert result["errors"] == [
        {
            "message": "Internal server error.",
            "locations": [{"line": 3, "column": 3}],
            "path": ["todos"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    (record,) = [r for r in caplog.records if r.name == "graphql_api"]
    assert record.exc_info is not None
    assert "secret is gone" in str(record.exc_info[1])


def test_client_mistakes_are_not_logged_as_errors(
    repository: CountingRepository, caplog: pytest.LogCaptureFixture
) -> None:
    run(repository, "{ nope }")
    run(repository, TODOS, order="NEWEST_FIRST", after="bad")
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


def test_syntax_errors_carry_the_parse_code(repository: CountingRepository) -> None:
    result = run(repository, "{ todos { ")
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
