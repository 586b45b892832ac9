"""Persisted queries' rules over the in-memory store (held equal to DynamoDB's by
tests/integration/test_documents.py): lookups, refusals, what is remembered, the cache."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphql_api.budget import Budget
from graphql_api.errors import DeadlineReached, ServiceUnavailable
from graphql_api.gql.document_cache import DocumentCache
from graphql_api.gql.persisted import (
    MAX_STORED_BYTES,
    Document,
    PersistedQueries,
    Writes,
    requested_hash,
    sha256_of,
)
from graphql_api.refusal import Refusal
from graphql_api.repository.documents import StoredDocument, TrustedDocument
from tests.fakes import InMemoryDocumentStore

QUERY = "{ todos { nodes { id } } }"
HASH = sha256_of(QUERY)
DAY = 86_400


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def persisted_query(sha256: str = HASH) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def make(
    store: InMemoryDocumentStore, *, trusted_only: bool = False, clock: Clock | None = None
) -> PersistedQueries:
    return PersistedQueries(
        store, trusted_only=trusted_only, ttl_s=30 * DAY, clock=clock or Clock()
    )


def a_post() -> Writes:
    """What one POST may write."""
    return Writes(over_get=False)


def document(
    queries: PersistedQueries,
    query: str | None,
    extensions: dict[str, object] | None,
    budget: Budget | None = None,
) -> Document:
    return asyncio.run(queries.document(query, extensions, budget or Budget.unlimited(), a_post()))


def refusal(
    queries: PersistedQueries, query: str | None, extensions: dict[str, object] | None
) -> Refusal:
    with pytest.raises(Refusal) as caught:
        document(queries, query, extensions)
    return caught.value


def test_sha256_is_the_lowercase_hex_digest_apollos_link_sends() -> None:
    # FIPS 180-2's example for "abc".
    assert sha256_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_unknown_hash_answers_apollos_persisted_query_not_found() -> None:
    error = refusal(make(InMemoryDocumentStore()), None, persisted_query())
    assert (error.status, error.code, str(error)) == (
        200,
        "PERSISTED_QUERY_NOT_FOUND",
        "PersistedQueryNotFound",
    )
    assert error.headers == {"Cache-Control": "private, no-cache, must-revalidate"}


def test_hash_with_its_query_runs_it_and_asks_to_remember_it() -> None:
    found = document(make(InMemoryDocumentStore()), QUERY, persisted_query())
    assert found == Document(QUERY, remember_as=HASH)


def test_remembered_query_is_found_by_hash_alone() -> None:
    store = InMemoryDocumentStore()
    asyncio.run(make(store).remember(HASH, QUERY, Budget.unlimited(), a_post()))
    assert document(make(store), None, persisted_query()) == Document(QUERY)


def test_hash_that_is_not_the_querys_is_refused() -> None:
    error = refusal(make(InMemoryDocumentStore()), QUERY, persisted_query("0" * 64))
    assert (error.status, error.code) == (400, "PERSISTED_QUERY_HASH_MISMATCH")


def test_uppercase_hash_names_the_same_document() -> None:
    found = document(make(InMemoryDocumentStore()), QUERY, persisted_query(HASH.upper()))
    assert found.remember_as == HASH


@pytest.mark.parametrize(
    "extension",
    [
        "yes",
        {"version": 2, "sha256Hash": HASH},
        {"sha256Hash": HASH},
        {"version": 1},
        {"version": 1, "sha256Hash": HASH[:-1]},
        {"version": 1, "sha256Hash": HASH[:-1] + "g"},
        {"version": 1, "sha256Hash": 7},
    ],
)
def test_malformed_persisted_query_extension_is_a_bad_request(extension: object) -> None:
    with pytest.raises(Refusal) as caught:
        requested_hash({"persistedQuery": extension})
    assert (caught.value.status, caught.value.code) == (400, "BAD_REQUEST")


def test_plain_query_runs_without_a_lookup() -> None:
    budget = Budget(max_examined=10)
    assert document(make(InMemoryDocumentStore()), QUERY, None, budget) == Document(QUERY)
    assert budget.examined == 0


def test_each_lookup_counts_as_one_item_examined_even_from_the_cache() -> None:
    store = InMemoryDocumentStore()
    queries = make(store)
    asyncio.run(queries.remember(HASH, QUERY, Budget.unlimited(), a_post()))
    budget = Budget(max_examined=2)
    document(queries, None, persisted_query(), budget)
    document(queries, None, persisted_query(), budget)
    assert budget.examined == 2
    with pytest.raises(Refusal) as caught:
        document(queries, None, persisted_query(), budget)
    assert (caught.value.status, caught.value.code) == (503, "READ_LIMIT_EXCEEDED")


def test_lookup_after_the_deadline_is_refused() -> None:
    budget = Budget(max_examined=10, deadline=0.0, clock=lambda: 1.0)
    with pytest.raises(Refusal) as caught:
        document(make(InMemoryDocumentStore()), None, persisted_query(), budget)
    assert caught.value.code == "DEADLINE_EXCEEDED"


def test_remembered_query_expires_after_its_ttl_in_the_cache_too() -> None:
    clock = Clock()
    queries = make(InMemoryDocumentStore(), clock=clock)
    asyncio.run(queries.remember(HASH, QUERY, Budget.unlimited(), a_post()))
    clock.now += 30 * DAY + 1
    assert refusal(queries, None, persisted_query()).code == "PERSISTED_QUERY_NOT_FOUND"


def test_nothing_is_remembered_once_the_request_is_out_of_time() -> None:
    store = InMemoryDocumentStore()
    late = Budget(max_examined=10, deadline=0.0, clock=lambda: 1.0)
    asyncio.run(make(store).remember(HASH, QUERY, late, a_post()))
    assert store.documents == {}


class CountingStore(InMemoryDocumentStore):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def remember(self, sha256: str, body: str, *, expires_at: int) -> None:
        self.writes += 1
        super().remember(sha256, body, expires_at=expires_at)


def test_query_sent_with_its_hash_again_is_written_again_only_past_half_its_life() -> None:
    clock = Clock()
    store = CountingStore()
    queries = make(store, clock=clock)
    for _ in range(3):
        asyncio.run(queries.remember(HASH, QUERY, Budget.unlimited(), a_post()))
    assert store.writes == 1
    clock.now += 16 * DAY
    asyncio.run(queries.remember(HASH, QUERY, Budget.unlimited(), a_post()))
    assert store.writes == 2


def test_read_past_half_its_life_extends_a_remembered_query() -> None:
    clock = Clock()
    store = InMemoryDocumentStore()
    asyncio.run(make(store, clock=clock).remember(HASH, QUERY, Budget.unlimited(), a_post()))
    clock.now += 16 * DAY
    document(make(store, clock=clock), None, persisted_query())  # a fresh instance reads it
    clock.now += 20 * DAY  # 36 days after it was first remembered
    assert document(make(store, clock=clock), None, persisted_query()) == Document(QUERY)


def test_read_before_half_its_life_writes_nothing() -> None:
    clock = Clock()
    store = InMemoryDocumentStore()
    asyncio.run(make(store, clock=clock).remember(HASH, QUERY, Budget.unlimited(), a_post()))
    before = store.documents[HASH]
    clock.now += 10 * DAY
    document(make(store, clock=clock), None, persisted_query())
    assert store.documents[HASH] == before


def remembered(
    queries: PersistedQueries, query: str, writes: Writes | None = None
) -> dict[str, Any] | None:
    """What the answer to a registration of `query` says of its storing."""
    request = writes or a_post()
    return asyncio.run(queries.remember(sha256_of(query), query, Budget.unlimited(), request))


def test_a_document_over_the_stored_cap_is_not_stored_and_says_so() -> None:
    store = InMemoryDocumentStore()
    at_cap = "{ __typename }#" + "x" * (MAX_STORED_BYTES - 15)
    over = at_cap + "x"
    assert remembered(make(store), at_cap) is None
    assert remembered(make(store), over) == {
        "code": "PERSISTED_QUERY_TOO_LARGE",
        "message": "The query ran but was not stored: it is 16,385 bytes, over the 16,384 a "
        "persisted query may hold. Send it without its hash.",
        "bytes": 16_385,
        "limit": 16_384,
    }
    assert list(store.documents) == [sha256_of(at_cap)]


def test_the_cap_counts_utf8_bytes_not_characters() -> None:
    query = "{ __typename }#" + "é" * (MAX_STORED_BYTES // 2)
    notice = remembered(make(InMemoryDocumentStore()), query)
    assert notice is not None
    assert (notice["code"], notice["bytes"]) == ("PERSISTED_QUERY_TOO_LARGE", 15 + MAX_STORED_BYTES)


def test_one_request_stores_one_document_at_most() -> None:
    store = CountingStore()
    queries = make(store)
    request = a_post()
    batch = [f"query Q{n} {{ __typename }}" for n in range(4)]
    notices = [remembered(queries, query, request) for query in batch]
    assert notices[0] is None
    assert [notice and notice["code"] for notice in notices[1:]] == [
        "PERSISTED_QUERY_REGISTRATION_LIMIT"
    ] * 3
    assert (store.writes, list(store.documents)) == (1, [sha256_of(batch[0])])


def test_a_document_already_stored_costs_no_write_and_leaves_the_request_its_one() -> None:
    store = CountingStore()
    queries = make(store)
    assert remembered(queries, QUERY) is None
    request = a_post()
    assert remembered(queries, QUERY, request) is None
    assert remembered(queries, "{ __typename }", request) is None
    assert store.writes == 2


def test_nothing_is_stored_over_get() -> None:
    store = CountingStore()
    notice = remembered(make(store), QUERY, Writes(over_get=True))
    assert notice == {
        "code": "PERSISTED_QUERY_REGISTRATION_NEEDS_POST",
        "message": "The query ran but was not stored: register it with POST.",
    }
    assert (store.writes, store.documents) == (0, {})


def test_a_document_stored_already_is_not_refused_over_get() -> None:
    store = CountingStore()
    queries = make(store)
    remembered(queries, QUERY)
    assert remembered(queries, QUERY, Writes(over_get=True)) is None
    assert store.writes == 1


def test_a_read_over_get_never_extends_a_document() -> None:
    clock = Clock()
    store = CountingStore()
    remembered(make(store, clock=clock), QUERY)
    clock.now += 16 * DAY
    found = asyncio.run(
        make(store, clock=clock).document(
            None, persisted_query(), Budget.unlimited(), Writes(over_get=True)
        )
    )
    assert (found, store.writes) == (Document(QUERY), 1)


def test_extending_a_document_spends_the_requests_one_write() -> None:
    clock = Clock()
    store = CountingStore()
    remembered(make(store, clock=clock), QUERY)
    clock.now += 16 * DAY
    queries = make(store, clock=clock)
    request = a_post()
    asyncio.run(queries.document(None, persisted_query(), Budget.unlimited(), request))
    notice = remembered(queries, "{ __typename }", request)
    assert notice is not None
    assert notice["code"] == "PERSISTED_QUERY_REGISTRATION_LIMIT"
    assert store.writes == 2


def test_query_with_a_lone_surrogate_runs_but_is_not_remembered() -> None:
    query = '{ todos(status: "\ud800") { nodes { id } } }'
    found = document(make(InMemoryDocumentStore()), query, persisted_query(sha256_of(query)))
    assert found == Document(query)


def trusted_store() -> InMemoryDocumentStore:
    store = InMemoryDocumentStore()
    store.trust([TrustedDocument(HASH, QUERY, "Todos", "query")])
    return store


def test_trusted_mode_runs_a_registered_document_by_hash_or_by_text() -> None:
    queries = make(trusted_store(), trusted_only=True)
    assert document(queries, None, persisted_query()) == Document(QUERY)
    assert document(queries, QUERY, None) == Document(QUERY)
    assert document(queries, QUERY, persisted_query()) == Document(QUERY)


@pytest.mark.parametrize(
    ("query", "extensions"),
    [
        (None, persisted_query(sha256_of("{ __typename }"))),
        ("{ __typename }", None),
        ("{ __typename }", persisted_query(sha256_of("{ __typename }"))),
    ],
    ids=["unknown hash", "unregistered text", "registration attempt"],
)
def test_trusted_mode_refuses_what_was_not_registered(
    query: str | None, extensions: dict[str, object] | None
) -> None:
    store = trusted_store()
    error = refusal(make(store, trusted_only=True), query, extensions)
    assert (error.status, error.code) == (400, "OPERATION_NOT_TRUSTED")
    assert set(store.documents) == {HASH}


def test_trusted_mode_does_not_run_an_automatically_persisted_query() -> None:
    store = InMemoryDocumentStore()
    asyncio.run(make(store).remember(HASH, QUERY, Budget.unlimited(), a_post()))
    error = refusal(make(store, trusted_only=True), None, persisted_query())
    assert error.code == "OPERATION_NOT_TRUSTED"


def test_remembering_never_demotes_a_trusted_document() -> None:
    store = trusted_store()
    asyncio.run(make(store).remember(HASH, QUERY, Budget.unlimited(), a_post()))
    assert store.documents[HASH] == StoredDocument(QUERY, trusted=True, expires_at=None)


def stored(body: str, expires_at: int | None = None) -> StoredDocument:
    return StoredDocument(body, trusted=False, expires_at=expires_at)


def test_cache_drops_the_least_recently_used_past_its_count() -> None:
    cache = DocumentCache(max_count=2, max_bytes=1_000)
    cache.put("a", stored("A"))
    cache.put("b", stored("B"))
    assert cache.get("a", now=0) is not None
    cache.put("c", stored("C"))
    assert [cache.get(key, now=0) is not None for key in "abc"] == [True, False, True]


def test_cache_holds_no_more_bytes_than_its_bound() -> None:
    cache = DocumentCache(max_count=100, max_bytes=10)
    cache.put("a", stored("é" * 3))  # six bytes of UTF-8
    cache.put("b", stored("x" * 4))
    assert (len(cache), cache.bytes) == (2, 10)
    cache.put("c", stored("y"))
    assert (len(cache), cache.bytes) == (2, 5)
    cache.put("big", stored("z" * 11))
    assert cache.get("big", now=0) is None
    assert cache.bytes == 5


def test_cache_replacing_an_entry_counts_its_bytes_once() -> None:
    cache = DocumentCache(max_count=10, max_bytes=100)
    cache.put("a", stored("xyz"))
    cache.put("a", stored("xyz", expires_at=5))
    assert (len(cache), cache.bytes) == (1, 3)


def test_cache_forgets_an_expired_document() -> None:
    cache = DocumentCache(max_count=10, max_bytes=100)
    cache.put("a", stored("A", expires_at=100))
    assert cache.get("a", now=100) is not None
    assert cache.get("a", now=101) is None
    assert len(cache) == 0


class UnwritableStore(InMemoryDocumentStore):
    def remember(self, sha256: str, body: str, *, expires_at: int) -> None:
        raise OSError("the store is down")


def test_a_failed_saving_is_logged_and_the_request_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queries = make(UnwritableStore())
    asyncio.run(queries.remember(HASH, QUERY, Budget.unlimited(), a_post()))
    (record,) = caplog.records
    assert record.getMessage() == "unexpected error in persisted query"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the store is down"
    assert refusal(queries, None, persisted_query()).code == "PERSISTED_QUERY_NOT_FOUND"


class UnreachableStore(InMemoryDocumentStore):
    def find(self, sha256: str, *, now: float) -> StoredDocument | None:
        raise ServiceUnavailable("ReadTimeout", "GetItem", retry_after=2)


def test_unreachable_store_is_service_unavailable_with_retry_after() -> None:
    error = refusal(make(UnreachableStore()), None, persisted_query())
    assert (error.status, error.code, error.headers) == (
        503,
        "SERVICE_UNAVAILABLE",
        {"Retry-After": "2"},
    )


class ReadOnlyStore(InMemoryDocumentStore):
    """Reads answer; writes meet `failure` (a storage fault, or the request's deadline)."""

    def __init__(self, failure: Exception) -> None:
        super().__init__()
        self.failure = failure

    def remember(self, sha256: str, body: str, *, expires_at: int) -> None:
        raise self.failure


@pytest.mark.parametrize(
    "failure", [ServiceUnavailable("ReadTimeout", "PutItem", retry_after=2), DeadlineReached()]
)
def test_a_document_read_past_half_its_life_answers_though_extending_it_fails(
    failure: Exception,
) -> None:
    clock = Clock()
    store = ReadOnlyStore(failure)
    InMemoryDocumentStore.remember(store, HASH, QUERY, expires_at=int(clock.now) + 30 * DAY)
    clock.now += 16 * DAY
    assert document(make(store, clock=clock), None, persisted_query()) == Document(QUERY)


class LateStore(InMemoryDocumentStore):
    def find(self, sha256: str, *, now: float) -> StoredDocument | None:
        raise DeadlineReached  # the request's time ran out before the read was sent


def test_a_lookup_whose_time_runs_out_before_the_read_is_deadline_exceeded() -> None:
    error = refusal(make(LateStore()), None, persisted_query())
    assert (error.status, error.code) == (503, "DEADLINE_EXCEEDED")
