from __future__ import annotations

import pytest

from graphql_api.budget import Budget
from graphql_api.errors import (
    DeadlineReached,
    InvalidCursor,
    InvalidQuery,
    InvalidTodo,
    ReadBytesLimitReached,
    ReadLimitReached,
    TodoNotFound,
)
from graphql_api.model import (
    MAX_CONTENT_LENGTH,
    MAX_STATUS_LENGTH,
    MAX_USER_ID_LENGTH,
    OPEN_ACCESS,
    Listing,
    Todo,
)
from graphql_api.service import PageSizes, TodoService
from tests.fakes import InMemoryTodoRepository

ANYONE = OPEN_ACCESS


def free() -> Budget:
    return Budget.unlimited()


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


@pytest.fixture
def repository() -> InMemoryTodoRepository:
    return InMemoryTodoRepository()


@pytest.fixture
def service(repository: InMemoryTodoRepository) -> TodoService:
    ids = iter(f"id-{n}" for n in range(1_000))
    return TodoService(
        repository, page_sizes=PageSizes(3, 10), clock=Clock(), new_id=lambda: next(ids)
    )


def test_create_makes_a_pending_todo_at_version_1(service: TodoService) -> None:
    todo = service.create(ANYONE, free(), user_id="ann", content="milk")
    assert todo == Todo("id-0", "ann", "milk", "pending", 1, 1_700_000_001_000, 1_700_000_001_000)
    assert service.get(ANYONE, free(), "id-0") == todo


def test_create_without_content_stores_none(service: TodoService) -> None:
    assert service.create(ANYONE, free(), user_id="ann", content=None).content is None


@pytest.mark.parametrize(
    ("user_id", "content", "field"),
    [
        ("", "milk", "userId"),
        ("   ", "milk", "userId"),
        ("u" * (MAX_USER_ID_LENGTH + 1), "milk", "userId"),
        ("ann", "", "content"),
        ("ann", "c" * (MAX_CONTENT_LENGTH + 1), "content"),
    ],
)
def test_create_refuses_invalid_fields_and_writes_nothing(
    service: TodoService,
    repository: InMemoryTodoRepository,
    user_id: str,
    content: str,
    field: str,
) -> None:
    with pytest.raises(InvalidTodo) as raised:
        service.create(ANYONE, free(), user_id=user_id, content=content)
    assert raised.value.field == field
    assert repository.todos == {}


def test_limits_are_inclusive(service: TodoService) -> None:
    todo = service.create(
        ANYONE, free(), user_id="u" * MAX_USER_ID_LENGTH, content="c" * MAX_CONTENT_LENGTH
    )
    updated = service.update(ANYONE, free(), todo.id, status="s" * MAX_STATUS_LENGTH)
    assert updated.version == 2


def test_update_changes_only_what_is_given(service: TodoService) -> None:
    todo = service.create(ANYONE, free(), user_id="ann", content="milk")
    updated = service.update(ANYONE, free(), todo.id, status="done")
    assert (updated.content, updated.status, updated.version) == ("milk", "done", 2)
    assert updated.updated_ms > todo.updated_ms
    assert updated.created_ms == todo.created_ms


def test_update_refuses_overlong_status_and_changes_nothing(service: TodoService) -> None:
    todo = service.create(ANYONE, free(), user_id="ann", content="milk")
    with pytest.raises(InvalidTodo, match="status"):
        service.update(ANYONE, free(), todo.id, content="new", status="s" * (MAX_STATUS_LENGTH + 1))
    assert service.get(ANYONE, free(), todo.id) == todo


@pytest.mark.parametrize("todo_id", ["", "x" * 10_000])
def test_impossible_ids_are_unknown_without_a_lookup(service: TodoService, todo_id: str) -> None:
    assert service.get(ANYONE, free(), todo_id) is None
    assert service.get_many(ANYONE, free(), [todo_id]) == [None]
    with pytest.raises(TodoNotFound):
        service.update(ANYONE, free(), todo_id, status="done")
    with pytest.raises(TodoNotFound):
        service.delete(ANYONE, free(), todo_id)


def test_get_many_answers_in_the_order_asked(service: TodoService) -> None:
    a = service.create(ANYONE, free(), user_id="ann", content="a")
    b = service.create(ANYONE, free(), user_id="ann", content="b")
    assert service.get_many(ANYONE, free(), [b.id, "missing", a.id, b.id]) == [b, None, a, b]


def test_list_uses_the_default_page_size(service: TodoService) -> None:
    for n in range(5):
        service.create(ANYONE, free(), user_id="ann", content=str(n))
    page = service.list_todos(
        ANYONE,
        free(),
    )
    assert len(page.todos) == 3
    assert page.has_next


@pytest.mark.parametrize("first", [0, -1, 11])
def test_list_refuses_a_page_size_out_of_range(service: TodoService, first: int) -> None:
    with pytest.raises(InvalidQuery, match="first must be between 1 and 10"):
        service.list_todos(ANYONE, free(), first=first)


@pytest.mark.parametrize(
    ("user_id", "status"), [("", None), (None, ""), ("u" * 129, None), (None, "s" * 65)]
)
def test_list_refuses_unusable_filters(
    service: TodoService, user_id: str | None, status: str | None
) -> None:
    with pytest.raises(InvalidQuery):
        service.list_todos(ANYONE, free(), user_id=user_id, status=status)


def test_list_refuses_a_cursor_of_another_listing(service: TodoService) -> None:
    for n in range(5):
        service.create(ANYONE, free(), user_id="ann", content=str(n))
    page = service.list_todos(ANYONE, free(), user_id="ann", first=2)
    assert page.end_cursor is not None
    others = [
        Listing(None),
        Listing("bob"),
        Listing("ann", status="done"),
        Listing("ann", newest_first=False),
    ]
    for other in others:
        with pytest.raises(InvalidCursor):
            service.list_todos(
                ANYONE,
                free(),
                after=page.end_cursor,
                user_id=other.user_id,
                status=other.status,
                newest_first=other.newest_first,
            )
    again = service.list_todos(ANYONE, free(), user_id="ann", first=2, after=page.end_cursor)
    assert len(again.todos) == 2


def test_list_refuses_garbage_cursor(service: TodoService) -> None:
    with pytest.raises(InvalidCursor):
        service.list_todos(ANYONE, free(), after="garbage!")


class SteppingClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_parts_after_the_deadline_are_refused_and_earlier_ones_stand(
    service: TodoService,
) -> None:
    clock = SteppingClock()
    budget = Budget(max_examined=1_000, deadline=10.0, clock=clock)
    kept = service.create(ANYONE, budget, user_id="ann", content="before")
    clock.now = 10.0
    with pytest.raises(DeadlineReached):
        service.create(ANYONE, budget, user_id="ann", content="after")
    with pytest.raises(DeadlineReached):
        service.list_todos(ANYONE, budget)
    assert [t.id for t in service.list_todos(ANYONE, free()).todos] == [kept.id]


def test_a_request_stops_reading_once_it_has_read_what_one_answer_may_carry(
    service: TodoService,
) -> None:
    for _ in range(6):
        service.create(ANYONE, free(), user_id="ann", content="x" * 1_000)
    budget = Budget(max_examined=1_000, max_read_bytes=2_500)
    first = service.list_todos(ANYONE, budget, first=2)  # about 2,200 bytes: may read on
    second = service.list_todos(ANYONE, budget, first=2)  # ends at the todo past the bound
    assert (len(first.todos), len(second.todos), second.has_next) == (2, 1, True)
    examined = budget.examined
    with pytest.raises(ReadBytesLimitReached) as refused:
        service.list_todos(ANYONE, budget, first=2)
    with pytest.raises(ReadBytesLimitReached):
        service.get(ANYONE, budget, first.todos[0].id)
    assert refused.value.limit == 2_500
    assert budget.examined == examined  # the refused reads examined nothing


def test_a_sweep_ends_where_the_bytes_run_out_and_says_it_was_cut_short(
    service: TodoService,
) -> None:
    for _ in range(300):
        service.create(ANYONE, free(), user_id="ann", content="x" * 1_000)
    sweep = service.sweep(ANYONE, Budget(max_examined=10**6, max_read_bytes=150_000))
    assert 100 <= len(list(sweep)) < 300
    assert sweep.cut_short


def test_a_request_examines_no_more_than_its_budget_across_listings(
    service: TodoService,
) -> None:
    for n in range(8):
        service.create(ANYONE, free(), user_id="ann", content=str(n))
    budget = Budget(max_examined=5)
    first = service.list_todos(ANYONE, budget, first=3)
    second = service.list_todos(ANYONE, budget, first=3)
    assert (len(first.todos), len(second.todos), budget.examined) == (3, 1, 5)
    assert second.has_next
    with pytest.raises(ReadLimitReached):
        service.list_todos(ANYONE, budget, first=3)
