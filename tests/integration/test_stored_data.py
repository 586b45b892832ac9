"""Items we did not write (the legacy API's, or hand-made) never break a read or a listing.

Each kind of unusual item is stored as DynamoDB would hold it, bypassing the repository, then
read through the repository and, where it matters, through both doors (GraphQL and the legacy
REST routes, over HTTP). docs/api.md's "Stored data we did not write" is what these tests hold.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from graphql_api.compose import build_app
from graphql_api.config import Settings
from graphql_api.errors import TodoNotFound
from graphql_api.model import MAX_TIME_MS, Todo, TodoQuery
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from tests.e2e.conftest import serving
from tests.e2e.rest_client import RestClient, over_http

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Put = Callable[[dict[str, Any]], None]
END_OF_9999 = "9999-12-31T23:59:59.999000+00:00"
TODOS = """query($first: Int, $after: String, $user: String) {
  todos(first: $first, after: $after, userId: $user, order: OLDEST_FIRST) {
    edges { cursor node { id userId content status version dateCreated dateUpdated } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def item(todo_id: str, **attributes: Any) -> dict[str, Any]:
    """A legacy item (no `version`); attributes given as None are left out."""
    stored: dict[str, Any] = {
        "id": {"S": todo_id},
        "userId": {"S": "ann"},
        "dateCreated": {"N": "1700000000000"},
        "dateUpdated": {"N": "1700000000500"},
        "content": {"S": "legacy"},
        "status": {"S": "pending"},
    }
    stored.update(attributes)
    return {name: value for name, value in stored.items() if value is not None}


@pytest.fixture
def repository(dynamodb: DynamoDBClient, table: str, records_table: str) -> DynamoDBTodoRepository:
    return DynamoDBTodoRepository(dynamodb, table, records_table=records_table)


@pytest.fixture
def put(dynamodb: DynamoDBClient, table: str) -> Put:
    def put(stored: dict[str, Any]) -> None:
        dynamodb.put_item(TableName=table, Item=stored)

    return put


@pytest.fixture
def start_api(dynamodb: DynamoDBClient, table: str, records_table: str) -> Callable[..., Any]:
    """The app over this test's tables, served on loopback HTTP, with settings overridden."""

    def start(**overrides: Any) -> Any:
        settings = Settings(table_name=table, records_table=records_table, **overrides)
        return serving(build_app(settings, dynamodb))

    return start


@pytest.fixture
def api(start_api: Callable[..., Any]) -> Iterator[RestClient]:
    with start_api() as url:
        yield over_http(url)


def graphql_pages(api: RestClient, **variables: Any) -> list[dict[str, Any]]:
    """Every page of `todos`, following `endCursor`; fails rather than loop for ever."""
    pages: list[dict[str, Any]] = []
    after = None
    for _ in range(50):
        reply = api.graphql(TODOS, after=after, **variables)
        assert "errors" not in reply, reply
        pages.append(connection := reply["data"]["todos"])
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end: the cursor does not move forward")


def rest_pages(api: RestClient, path: str) -> list[dict[str, Any]]:
    """Every body of `GET path`, following `next`; fails rather than loop for ever."""
    bodies: list[dict[str, Any]] = []
    url = path
    for _ in range(50):
        reply = api.request("GET", url)
        assert reply.status == 200, reply
        bodies.append(body := reply.json())
        if "next" not in body:
            return bodies
        url = f"{path}{'&' if '?' in path else '?'}next={quote(body['next'])}"
    raise AssertionError("paging did not end: the cursor does not move forward")


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [edge["node"]["id"] for page in pages for edge in page["edges"]]


# --- Each kind of odd value, read through the repository -------------------------------------

LEGACY = Todo("t", "ann", "legacy", "pending", 1, 1_700_000_000_000, 1_700_000_000_500)


@pytest.mark.parametrize(
    ("attributes", "expected", "logged"),
    [
        ({"dateCreated": {"N": "253402300800000"}}, {"created_ms": MAX_TIME_MS}, "dateCreated"),
        ({"dateCreated": {"N": "1E+100"}}, {"created_ms": MAX_TIME_MS}, "dateCreated"),
        ({"dateCreated": {"N": "-86400000"}}, {"created_ms": 0}, "dateCreated"),
        ({"dateCreated": {"N": "1700000000000.75"}}, {"created_ms": 1_700_000_000_000}, "75"),
        ({"dateCreated": None}, {"created_ms": 0}, "dateCreated missing"),
        ({"dateUpdated": {"N": "1E+30"}}, {"updated_ms": MAX_TIME_MS}, "dateUpdated"),
        ({"dateUpdated": {"N": "-0.5"}}, {"updated_ms": 0}, "dateUpdated"),
        ({"dateUpdated": {"S": "yesterday"}}, {"updated_ms": 1_700_000_000_000}, "yesterday"),
        ({"dateUpdated": None}, {"updated_ms": 1_700_000_000_000}, None),
        ({"userId": None}, {"user_id": ""}, "userId missing"),
        ({"status": None}, {"status": ""}, "status missing"),
        ({"status": {"N": "3"}}, {"status": ""}, "status (N) 3"),
        ({"content": None}, {"content": None}, None),
        ({"content": {"NULL": True}}, {"content": None}, "content (NULL)"),
        ({"content": {"SS": ["a", "b"]}}, {"content": None}, "content (SS)"),
        ({"content": {"S": ""}, "status": {"S": ""}}, {"content": "", "status": ""}, None),
        ({"version": {"N": "7"}}, {"version": 7}, None),
    ],
)
def test_an_odd_value_reads_as_the_readme_says_and_is_logged(
    put: Put,
    repository: DynamoDBTodoRepository,
    caplog: pytest.LogCaptureFixture,
    attributes: dict[str, Any],
    expected: dict[str, Any],
    logged: str | None,
) -> None:
    put(item("t", **attributes))
    with caplog.at_level(logging.WARNING, "graphql_api.repository"):
        read = repository.get("t")
    assert read == dataclasses.replace(LEGACY, **expected)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if logged is None:
        assert warnings == []
    else:
        (warning,) = warnings
        assert "'t'" in warning
        assert logged in warning


@pytest.mark.parametrize(
    "version", [{"N": "0"}, {"N": "-3"}, {"N": "2.5"}, {"N": "2147483648"}, {"S": "2"}]
)
def test_an_item_whose_version_no_write_could_match_is_skipped_and_logged(
    put: Put,
    repository: DynamoDBTodoRepository,
    caplog: pytest.LogCaptureFixture,
    version: dict[str, Any],
) -> None:
    put(item("bad", version=version))
    put(item("good", dateCreated={"N": "1700000000001"}))
    with caplog.at_level(logging.WARNING, "graphql_api.repository"):
        assert repository.get("bad") is None
        assert list(repository.get_many(["bad", "good"])) == ["good"]
        page = repository.list_todos(TodoQuery(first=10, user_id="ann"))
    assert [t.id for t in page.todos] == ["good"]
    assert page.examined == 2
    skips = [r.getMessage() for r in caplog.records if "Skipped" in r.getMessage()]
    assert len(skips) == 3
    assert all("'bad'" in skip and "version" in skip for skip in skips)


def test_a_write_to_a_skipped_item_answers_with_what_it_wrote(
    put: Put, repository: DynamoDBTodoRepository
) -> None:
    put(item("bad", version={"N": "2.5"}))
    updated = repository.update(
        "bad", changes={"status": "done"}, updated_ms=5, expected_version=None, owner=None
    )
    assert (updated.status, updated.version) == ("done", 1)
    deleted = repository.delete("bad", expected_version=None, owner=None)
    assert (deleted.id, deleted.version) == ("bad", 1)
    assert repository.get("bad") is None


@pytest.mark.parametrize("expected_version", [None, 1, 2])
def test_an_update_of_an_item_whose_version_is_not_a_number_is_not_found_and_changes_nothing(
    put: Put,
    repository: DynamoDBTodoRepository,
    dynamodb: DynamoDBClient,
    table: str,
    expected_version: int | None,
) -> None:
    put(item("bad", version={"S": "2"}))
    before = dynamodb.get_item(TableName=table, Key={"id": {"S": "bad"}})["Item"]
    with pytest.raises(TodoNotFound):
        repository.update(
            "bad",
            changes={"status": "done"},
            updated_ms=5,
            expected_version=expected_version,
            owner=None,
        )
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": "bad"}})["Item"] == before


# --- Through both doors ----------------------------------------------------------------------


def test_a_date_beyond_year_9999_reads_as_its_end_through_both_doors(
    put: Put, api: RestClient
) -> None:
    put(item("far", dateCreated={"N": "1700000000000000"}, dateUpdated={"N": "1E+125"}))
    put(item("near"))
    for variables in ({}, {"user": "ann"}):
        nodes = {
            e["node"]["id"]: e["node"] for p in graphql_pages(api, **variables) for e in p["edges"]
        }
        assert set(nodes) == {"far", "near"}
        assert nodes["far"]["dateCreated"] == END_OF_9999
        assert nodes["far"]["dateUpdated"] == END_OF_9999
    (far,) = api.request("GET", "/todo/far").json()
    assert (far["dateCreated"], far["dateUpdated"]) == (MAX_TIME_MS, MAX_TIME_MS)
    listed = {t["id"]: t for t in api.request("GET", "/todo?userId=ann").json()["data"]}
    assert listed["far"] == far


def test_fractional_dates_page_forward_through_both_doors(
    start_api: Callable[..., Any], put: Put
) -> None:
    # Four items whose dates truncate to the same millisecond, and one past them: a cursor
    # rebuilt from the truncated number would start over from the first, for ever.
    dates = ["1000.75", "1000.25", "1000", "1000.5", "1001"]
    for n, date in enumerate(dates):
        put(item(f"t{n}", dateCreated={"N": date}, content={"S": "x" * 300}))
    in_order = ["t2", "t1", "t3", "t0", "t4"]
    with start_api(page_size_default=1) as url:
        api = over_http(url)
        assert ids(graphql_pages(api, user="ann", first=1)) == in_order
        whole_table = ids(graphql_pages(api, first=5))  # storage order, whatever it is
        assert sorted(whole_table) == sorted(in_order)
        assert ids(graphql_pages(api, first=2)) == whole_table
    # A response bound of one item a body makes REST page through `next`, one item a page.
    with start_api(max_response_bytes=1_400) as url:
        bodies = rest_pages(over_http(url), "/todo?userId=ann")
    assert [t["id"] for body in bodies for t in body["data"]] == in_order
    assert len(bodies) == 5


def test_a_fractional_date_cursor_is_the_stored_number_exactly(
    put: Put, repository: DynamoDBTodoRepository
) -> None:
    put(item("a", dateCreated={"N": "1000.25"}))
    put(item("b", dateCreated={"N": "1000.75"}))
    first = repository.list_todos(TodoQuery(first=1, user_id="ann", newest_first=False))
    assert first.end is not None
    assert first.end.created == "1000.25"
    second = repository.list_todos(
        TodoQuery(first=1, user_id="ann", newest_first=False, after=first.end)
    )
    assert [t.id for t in second.todos] == ["b"]
    assert second.todos[0].created_ms == 1000


@pytest.mark.parametrize("long_id", ["x" * 2048, "é" * 1024, "𝄞" * 512])
def test_an_id_as_long_as_dynamodb_allows_is_listed_read_changed_and_paged_past(
    put: Put, api: RestClient, long_id: str
) -> None:
    put(item(long_id, dateCreated={"N": "1"}))
    put(item("after", dateCreated={"N": "2"}))
    for variables in ({"first": 1}, {"first": 1, "user": "ann"}):
        assert ids(graphql_pages(api, **variables)) in ([long_id, "after"], ["after", long_id])
    read = api.graphql("query($id: ID!) { todo(id: $id) { id } }", id=long_id)
    assert read["data"]["todo"] == {"id": long_id}
    path = f"/todo/{quote(long_id, safe='')}"
    assert [t["id"] for t in api.request("GET", path).json()] == [long_id]
    changed = api.request("PUT", path, json.dumps({"status": "done"}))
    assert changed.json()["Attributes"]["status"] == "done"
    assert api.request("DELETE", path).status == 200
    assert api.request("GET", path).json() == []


def test_an_item_without_an_owner_is_listed_whole_table_but_in_no_ones_list(
    put: Put, api: RestClient
) -> None:
    put(item("orphan", userId=None))
    put(item("mine"))
    everyone = {e["node"]["id"]: e["node"] for p in graphql_pages(api) for e in p["edges"]}
    assert everyone["orphan"]["userId"] == ""
    assert ids(graphql_pages(api, user="ann")) == ["mine"]
    (orphan,) = api.request("GET", "/todo/orphan").json()
    assert orphan["userId"] == ""


# --- Skipped items cost a read --------------------------------------------------------------


def test_a_table_of_junk_spends_the_read_bound_and_pages_past_it(
    put: Put, repository: DynamoDBTodoRepository
) -> None:
    for n in range(250):
        put(item(f"junk-{n:03d}", dateCreated={"N": str(n)}, version={"N": "0.5"}))
    put(item("real", dateCreated={"N": "1000"}))
    query = TodoQuery(first=5, user_id="ann", newest_first=False, max_examined=100)
    pages = [repository.list_todos(query)]
    while pages[-1].has_next:
        pages.append(repository.list_todos(dataclasses.replace(query, after=pages[-1].end)))
    assert [p.examined for p in pages] == [100, 100, 51]
    assert [[t.id for t in p.todos] for p in pages] == [[], [], ["real"]]


def test_a_request_through_a_table_of_junk_stops_at_its_read_budget(
    start_api: Callable[..., Any], put: Put
) -> None:
    for n in range(120):
        put(item(f"junk-{n:03d}", dateCreated={"N": str(n)}, version={"S": "x"}))
    with start_api(max_examined=50, request_max_examined=100) as url:
        reply = over_http(url).graphql(
            '{ a: todos(userId: "ann") { nodes { id } pageInfo { hasNextPage } } '
            'b: todos(userId: "ann") { nodes { id } } '
            'c: todos(userId: "ann") { nodes { id } } }'
        )
    assert reply["data"]["a"] == {"nodes": [], "pageInfo": {"hasNextPage": True}}
    assert reply["data"]["c"] is None
    assert [e["extensions"]["code"] for e in reply["errors"]] == ["READ_LIMIT_EXCEEDED"]
