"""Automatic persisted queries (Apollo's protocol) and trusted documents.

A request may name its document by hash, `extensions.persistedQuery = {"version": 1,
"sha256Hash": "<hex>"}`, with or without the `query` itself:

- the hash alone: the stored document runs; an unknown hash answers `PersistedQueryNotFound`
  (code `PERSISTED_QUERY_NOT_FOUND`, the message and code Apollo's link looks for), and the
  client sends the query with the hash;
- the hash and the query: the hash must be the query's SHA-256; the query runs and, once it
  has parsed and passed validation and the cost limit, is remembered (for a TTL, refreshed
  when a read finds it past half its life) in the store every instance shares.

What one request may store is bounded (`Writes`): one document write at most (a registration,
or the renewal of a document it read), none over GET, and no document over
`MAX_STORED_BYTES`. A registration refused runs all the same, unstored, and its answer says so
in `extensions.persistedQuery` (a code, no error: Apollo's link would fail the operation on
one); the client's next request by hash alone answers `PersistedQueryNotFound`, and it sends
the query again.

With trusted documents on, only documents an operator registered run: by hash, or as text
whose hash is registered; nothing is remembered on the fly.

Every lookup counts as one stored item examined against the request's budget, whether the
in-process cache or the store answers, so a request spends the same on every instance.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql_api import codes
from graphql_api.blocking import RunBlocking, in_thread
from graphql_api.budget import Budget
from graphql_api.errors import BudgetExhausted, DeadlineReached, ServiceUnavailable
from graphql_api.gql.document_cache import DocumentCache
from graphql_api.gql.errors import refusal_for
from graphql_api.refusal import Refusal
from graphql_api.repository.documents import DocumentStore, StoredDocument
from graphql_api.request_log import note_code, note_fault, note_unexpected

# What one instance keeps in memory: the documents of a few client builds.
CACHE_COUNT = 1_000
CACHE_BYTES = 8 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
# The largest operation this API's clients send, GraphiQL's introspection query, is 1,636
# bytes, and one selecting every field of the schema about 1 KB: 16 KiB leaves ten times room
# for generated documents (fragments, comments), and keeps a registration within 16 of
# DynamoDB's 1 KB write units where the document limits alone allowed 256.
MAX_STORED_BYTES = 16 * 1024
# Apollo Server answers PersistedQueryNotFound with 200 and a header no cache may reuse: the
# client resends the same request with the query at once.
_NOT_FOUND_HEADERS = {"Cache-Control": "private, no-cache, must-revalidate"}


@dataclass(frozen=True, slots=True)
class Document:
    """The text to execute, and the hash to remember it under if it proves executable."""

    query: str
    remember_as: str | None = None


class Writes:
    """The writes to the store one request may still make: one (a registration, or the
    renewal of a document it read), shared by the operations of a batch; none over GET, which
    must change nothing, since any page can make a browser send one (an `<img>`)."""

    def __init__(self, *, over_get: bool) -> None:
        self.over_get = over_get
        self._left = 0 if over_get else 1

    def take(self) -> bool:
        """Whether one more write may be made, spending it if so."""
        if self._left == 0:
            return False
        self._left -= 1
        return True


def sha256_of(text: str) -> str:
    # surrogatepass: a lone surrogate (JSON's "\ud800") must hash, not raise.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class PersistedQueries:
    def __init__(
        self,
        store: DocumentStore,
        *,
        trusted_only: bool,
        ttl_s: int,
        clock: Callable[[], float] = time.time,
        run: RunBlocking = in_thread,
    ) -> None:
        self._store = store
        self._run = run
        self._trusted_only = trusted_only
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache = DocumentCache(max_count=CACHE_COUNT, max_bytes=CACHE_BYTES)

    async def document(
        self,
        query: str | None,
        extensions: Mapping[str, Any] | None,
        budget: Budget,
        writes: Writes,
    ) -> Document:
        """The document a request's `query` and `extensions` name; refuses with Refusal."""
        sha256 = requested_hash(extensions)
        if sha256 is None:
            if query is None:
                raise Refusal(400, codes.BAD_REQUEST, "query must be a non-empty string.")
            if self._trusted_only:
                await self._trusted(sha256_of(query), budget, writes)
            return Document(query)
        if query is None:
            return Document(await self._stored(sha256, budget, writes))
        if sha256_of(query) != sha256:
            raise Refusal(
                400,
                codes.PERSISTED_QUERY_HASH_MISMATCH,
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query.",
            )
        if self._trusted_only:
            await self._trusted(sha256, budget, writes)
            return Document(query)
        return Document(query, remember_as=sha256 if _storable(query) else None)

    async def remember(
        self, sha256: str, query: str, budget: Budget, writes: Writes
    ) -> dict[str, Any] | None:
        """Store an executable document for every instance, if the request may and has time
        left; a failure loses only the saving (the answer is ready: the client will send the
        query again). What the answer's `extensions.persistedQuery` says where the request
        may not store it; None otherwise."""
        now = self._clock()
        if self._fresh(self._cache.get(sha256, now=now), now):
            return None  # a client that sends the query with its hash every time costs no writes
        refused = _not_storable(query, writes)
        if refused is not None:
            note_code(refused["code"])
            return refused
        expires_at = int(now) + self._ttl_s
        try:
            budget.check_time()
            saved = await self._run(self._save, sha256, query, expires_at)
        except DeadlineReached:
            return None
        except Exception as exc:
            note_unexpected(exc, "persisted query")
            return None
        if saved:
            self._cache.put(sha256, StoredDocument(query, trusted=False, expires_at=expires_at))
        return None

    async def _stored(self, sha256: str, budget: Budget, writes: Writes) -> str:
        document = await self._find(sha256, budget, writes)
        if document is None and self._trusted_only:
            raise _not_trusted()
        if document is None:
            raise Refusal(
                200, codes.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", _NOT_FOUND_HEADERS
            )
        if self._trusted_only and not document.trusted:
            raise _not_trusted()
        return document.body

    async def _trusted(self, sha256: str, budget: Budget, writes: Writes) -> None:
        document = await self._find(sha256, budget, writes)
        if document is None or not document.trusted:
            raise _not_trusted()

    async def _find(self, sha256: str, budget: Budget, writes: Writes) -> StoredDocument | None:
        _charge(budget)
        now = self._clock()
        document = self._cache.get(sha256, now=now)
        if document is None:
            try:
                document = await self._run(self._read, sha256, now, writes)
            # The store out of reach, or the request's time out before the read began.
            except (ServiceUnavailable, DeadlineReached) as exc:
                raise refusal_for(exc) from exc
            if document is not None:
                self._cache.put(sha256, document)
        return document

    def _fresh(self, document: StoredDocument | None, now: float) -> bool:
        """Stored for good, or for more than half its life to come."""
        if document is None:
            return False
        return document.expires_at is None or document.expires_at - now >= self._ttl_s / 2

    def _read(self, sha256: str, now: float, writes: Writes) -> StoredDocument | None:
        """The stored document, its life extended when past half of it and the request may
        write: a document in use never expires (unless only ever read over GET), and one read
        in a while costs the write."""
        document = self._store.find(sha256, now=now)
        if document is None or self._fresh(document, now) or not writes.take():
            return document
        expires_at = int(now) + self._ttl_s
        if not self._save(sha256, document.body, expires_at):
            return document  # read in time: it answers; a later read extends it
        return StoredDocument(document.body, trusted=False, expires_at=expires_at)

    def _save(self, sha256: str, body: str, expires_at: int) -> bool:
        """Whether the store kept the document: a storage fault, or the request's time
        running out, loses only the saving (the fault goes to the request's log line)."""
        try:
            self._store.remember(sha256, body, expires_at=expires_at)
        except DeadlineReached:
            return False
        except ServiceUnavailable as exc:
            note_fault(exc.reason, exc.operation)
            return False
        return True


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash `extensions.persistedQuery` names (lowercased), or None when there is none."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise Refusal(
            400, codes.BAD_REQUEST, "extensions.persistedQuery must be {version: 1, sha256Hash}."
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise Refusal(
            400, codes.BAD_REQUEST, "extensions.persistedQuery.sha256Hash must be 64 hex digits."
        )
    return sha256.lower()


def with_document_id(extensions: Mapping[str, Any] | None, document_id: str) -> dict[str, Any]:
    """`extensions` naming the document a GraphQL-over-HTTP `documentId` names (its persisted
    documents appendix): `sha256:<hex>`, or the bare hex GraphQL Codegen's client sends."""
    sha256 = document_id.removeprefix("sha256:")
    if not _SHA256.fullmatch(sha256.lower()):
        raise Refusal(400, codes.BAD_REQUEST, "documentId must be sha256:<64 hex digits>.")
    return {**(extensions or {}), "persistedQuery": {"version": 1, "sha256Hash": sha256}}


def _charge(budget: Budget) -> None:
    try:
        budget.reserve(1)
    except BudgetExhausted as exc:
        raise refusal_for(exc) from exc


def _not_trusted() -> Refusal:
    return Refusal(
        400,
        codes.OPERATION_NOT_TRUSTED,
        "This API runs only the operations registered for its clients "
        "(todo-api register-operations).",
    )


def _not_storable(query: str, writes: Writes) -> dict[str, Any] | None:
    """Why this request may not store `query`, as its answer tells it; None where it may (and
    so has spent its write)."""
    size = len(query.encode("utf-8"))
    if size > MAX_STORED_BYTES:
        return {
            "code": codes.PERSISTED_QUERY_TOO_LARGE,
            "message": f"The query ran but was not stored: it is {size:,} bytes, over the "
            f"{MAX_STORED_BYTES:,} a persisted query may hold. Send it without its hash.",
            "bytes": size,
            "limit": MAX_STORED_BYTES,
        }
    if writes.over_get:
        return {
            "code": codes.PERSISTED_QUERY_REGISTRATION_NEEDS_POST,
            "message": "The query ran but was not stored: register it with POST.",
        }
    if not writes.take():
        return {
            "code": codes.PERSISTED_QUERY_REGISTRATION_LIMIT,
            "message": "The query ran but was not stored: one request stores one query at "
            "most. Send it again with its hash in a request of its own.",
        }
    return None


def _storable(query: str) -> bool:
    """Only Unicode text can be stored: a lone surrogate has no UTF-8 form."""
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
