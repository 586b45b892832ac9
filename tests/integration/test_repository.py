"""Repository scenarios run over both the in-memory fake and DynamoDB (moto): the fake
cannot drift from the real thing without a test failing here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from graphql_api.errors import TodoNotFound, VersionConflict
from graphql_api.model import Page, Position, Todo, TodoQuery
from graphql_api.repository import Claim, Claimed, TodoRepository
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from tests.fakes import InMemoryTodoRepository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture(params=["memory", "dynamodb"])
def repository(request: pytest.FixtureRequest) -> Iterator[TodoRepository]:
    if request.param == "memory":
        yield InMemoryTodoRepository()
    else:
        client: DynamoDBClient = request.getfixturevalue("dynamodb")
        yield DynamoDBTodoRepository(
            client,
            request.getfixturevalue("table"),
            records_table=request.getfixturevalue("records_table"),
        )


def todo(n: int, *, user: str = "ann", status: str = "pending", version: int = 1) -> Todo:
    return Todo(f"id-{n:04d}", user, f"todo {n}", status, version, 1_000 + n, 1_000 + n)


def walk(repository: TodoRepository, query: TodoQuery) -> list[Page]:
    pages = [repository.list_todos(query)]
    while pages[-1].has_next:
        assert pages[-1].end is not None
        pages.append(repository.list_todos(dataclasses.replace(query, after=pages[-1].end)))
    return pages


def test_created_todo_reads_back_equal(repository: TodoRepository) -> None:
    repository.create(todo(1))
    assert repository.get("id-0001") == todo(1)


def test_get_of_unknown_id_is_none(repository: TodoRepository) -> None:
    assert repository.get("nope") is None


def test_todo_without_content_reads_back_without_content(repository: TodoRepository) -> None:
    bare = dataclasses.replace(todo(1), content=None)
    repository.create(bare)
    assert repository.get(bare.id) == bare


def test_get_many_returns_found_ones_by_id(repository: TodoRepository) -> None:
    for n in range(3):
        repository.create(todo(n))
    found = repository.get_many(["id-0002", "missing", "id-0000", "id-0002"])
    assert found == {"id-0002": todo(2), "id-0000": todo(0)}


def test_update_changes_given_fields_and_bumps_version(repository: TodoRepository) -> None:
    repository.create(todo(1))
    updated = repository.update(
        "id-0001", changes={"status": "done"}, updated_ms=5_000, expected_version=None, owner=None
    )
    assert updated == dataclasses.replace(todo(1), status="done", version=2, updated_ms=5_000)
    assert repository.get("id-0001") == updated


def test_update_with_matching_version_applies(repository: TodoRepository) -> None:
    repository.create(todo(1, version=3))
    updated = repository.update(
        "id-0001", changes={"content": "new"}, updated_ms=5_000, expected_version=3, owner=None
    )
    assert (updated.content, updated.version) == ("new", 4)


def test_update_with_stale_version_conflicts_and_changes_nothing(
    repository: TodoRepository,
) -> None:
    repository.create(todo(1, version=2))
    with pytest.raises(VersionConflict) as raised:
        repository.update(
            "id-0001", changes={"content": "x"}, updated_ms=5, expected_version=1, owner=None
        )
    assert (raised.value.expected, raised.value.current) == (1, 2)
    assert repository.get("id-0001") == todo(1, version=2)


def test_update_of_unknown_id_is_not_found_and_creates_nothing(
    repository: TodoRepository,
) -> None:
    for expected in (None, 1):
        with pytest.raises(TodoNotFound):
            repository.update(
                "ghost",
                changes={"status": "x"},
                updated_ms=5,
                expected_version=expected,
                owner=None,
            )
    assert repository.get("ghost") is None


def test_delete_returns_the_todo_and_removes_it(repository: TodoRepository) -> None:
    repository.create(todo(1))
    assert repository.delete("id-0001", expected_version=1, owner=None) == todo(1)
    assert repository.get("id-0001") is None


def test_delete_with_stale_version_conflicts_and_keeps_the_todo(
    repository: TodoRepository,
) -> None:
    repository.create(todo(1, version=4))
    with pytest.raises(VersionConflict) as raised:
        repository.delete("id-0001", expected_version=3, owner=None)
    assert raised.value.current == 4
    assert repository.get("id-0001") == todo(1, version=4)


def test_delete_of_unknown_id_is_not_found(repository: TodoRepository) -> None:
    with pytest.raises(TodoNotFound):
        repository.delete("ghost", expected_version=None, owner=None)


def test_paging_through_hundreds_loses_and_repeats_nothing(repository: TodoRepository) -> None:
    for n in range(250):
        repository.create(todo(n, user=f"user-{n % 3}"))
    pages = walk(repository, TodoQuery(first=17))
    ids = [t.id for page in pages for t in page.todos]
    assert sorted(ids) == sorted(f"id-{n:04d}" for n in range(250))
    assert all(len(page.todos) == 17 for page in pages[:-1])
    assert len(pages) == 15  # 14 full pages and 12 left over


@pytest.mark.parametrize("newest_first", [True, False])
def test_one_users_todos_come_in_creation_order(
    repository: TodoRepository, newest_first: bool
) -> None:
    for n in range(60):
        repository.create(todo(n, user="ann" if n % 2 else "bob"))
    pages = walk(repository, TodoQuery(first=7, user_id="ann", newest_first=newest_first))
    created = [t.created_ms for page in pages for t in page.todos]
    expected = sorted((1_000 + n for n in range(1, 60, 2)), reverse=newest_first)
    assert created == expected


def test_filtered_pages_are_full_across_many_storage_pages(repository: TodoRepository) -> None:
    # One done todo in fifty: each page of 5 gathers its matches over ~250 stored items,
    # several DynamoDB reads (see test_dynamodb for the count).
    for n in range(600):
        repository.create(todo(n, status="done" if n % 50 == 3 else "pending"))
    pages = walk(repository, TodoQuery(first=5, status="done"))
    assert [len(page.todos) for page in pages] == [5, 5, 2]
    found = sorted(t.id for page in pages for t in page.todos)
    assert found == [f"id-{n:04d}" for n in range(3, 600, 50)]
    assert not pages[-1].has_next


def test_filtered_user_listing_is_full_and_ordered(repository: TodoRepository) -> None:
    for n in range(200):
        repository.create(todo(n, user="ann", status="done" if n % 7 == 0 else "pending"))
    pages = walk(repository, TodoQuery(first=4, user_id="ann", status="done"))
    created = [t.created_ms for page in pages for t in page.todos]
    assert created == sorted((1_000 + n for n in range(0, 200, 7)), reverse=True)
    assert [len(p.todos) for p in pages] == [4] * 7 + [1]


def test_empty_listing_has_no_next_page(repository: TodoRepository) -> None:
    assert repository.list_todos(TodoQuery(first=10)) == Page((), has_next=False, end=None)


def test_exactly_full_last_page_says_there_is_no_next(repository: TodoRepository) -> None:
    for n in range(10):
        repository.create(todo(n))
    pages = walk(repository, TodoQuery(first=5))
    assert [len(p.todos) for p in pages] == [5, 5]
    assert not pages[-1].has_next


def test_listing_resumes_after_a_given_position(repository: TodoRepository) -> None:
    for n in range(10):
        repository.create(todo(n, user="ann"))
    after = Position.of(todo(6, user="ann"))
    page = repository.list_todos(TodoQuery(first=3, user_id="ann", after=after))
    assert [t.id for t in page.todos] == ["id-0005", "id-0004", "id-0003"]


def claim(key: str = "k", *, fingerprint: str = "f1", now_s: int = 100, ttl: int = 50) -> Claim:
    return Claim(key, fingerprint, now_s=now_s, expires_s=now_s + ttl)


@pytest.mark.needs("TransactWriteItems")
def test_create_once_creates_the_todo_and_claims_the_key(repository: TodoRepository) -> None:
    assert repository.create_once(todo(1), claim()) == Claimed(todo(1), "f1", created=True)
    assert repository.get("id-0001") == todo(1)


@pytest.mark.needs("TransactWriteItems")
def test_create_once_again_returns_the_first_create_and_creates_nothing(
    repository: TodoRepository,
) -> None:
    repository.create_once(todo(1), claim())
    again = repository.create_once(todo(2), claim(fingerprint="f2", now_s=150))
    assert again == Claimed(todo(1), "f1", created=False)
    assert repository.get("id-0002") is None


@pytest.mark.needs("TransactWriteItems")
def test_create_once_returns_the_todo_as_created_after_it_changed_or_went(
    repository: TodoRepository,
) -> None:
    repository.create_once(todo(1), claim())
    repository.update(
        "id-0001", changes={"status": "done"}, updated_ms=5_000, expected_version=None, owner=None
    )
    assert repository.create_once(todo(2), claim()).todo == todo(1)
    repository.delete("id-0001", expected_version=None, owner=None)
    assert repository.create_once(todo(3), claim()) == Claimed(todo(1), "f1", created=False)
    assert repository.get_many(["id-0001", "id-0002", "id-0003"]) == {}


@pytest.mark.needs("TransactWriteItems")
def test_an_expired_claim_counts_as_absent(repository: TodoRepository) -> None:
    repository.create_once(todo(1), claim(now_s=100, ttl=50))
    assert repository.create_once(todo(2), claim(now_s=150)).created is False
    fresh = repository.create_once(todo(2), claim(fingerprint="f2", now_s=151))
    assert fresh == Claimed(todo(2), "f2", created=True)
    assert repository.create_once(todo(3), claim(now_s=160)).todo == todo(2)
    assert set(repository.get_many(["id-0001", "id-0002", "id-0003"])) == {"id-0001", "id-0002"}


@pytest.mark.needs("TransactWriteItems")
def test_keys_are_independent(repository: TodoRepository) -> None:
    repository.create_once(todo(1), claim("a"))
    assert repository.create_once(todo(2), claim("b")).created is True
    assert set(repository.get_many(["id-0001", "id-0002"])) == {"id-0001", "id-0002"}


@pytest.mark.needs("TransactWriteItems")
def test_a_claimed_create_is_listed_like_any_other(repository: TodoRepository) -> None:
    repository.create_once(todo(1), claim())
    repository.create(todo(2))
    page = repository.list_todos(TodoQuery(first=10, user_id="ann", newest_first=False))
    assert page.todos == (todo(1), todo(2))
