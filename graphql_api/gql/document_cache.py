"""A small least-recently-used cache of persisted documents, bounded in count and in bytes.

It spares the shared store a read for the documents one instance sees often. Entries keep
their expiry, so a cached automatically persisted document is gone when the stored one is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from graphql_api.repository.documents import StoredDocument


class DocumentCache:
    def __init__(self, *, max_count: int, max_bytes: int) -> None:
        self._max_count = max_count
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, StoredDocument] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """What the cached documents' texts weigh, counted as UTF-8."""
        return self._bytes

    def get(self, sha256: str, *, now: float) -> StoredDocument | None:
        with self._lock:
            document = self._entries.get(sha256)
            if document is None:
                return None
            if document.expires_at is not None and document.expires_at < now:
                self._drop(sha256)
                return None
            self._entries.move_to_end(sha256)
            return document

    def put(self, sha256: str, document: StoredDocument) -> None:
        size = _size(document)
        if size > self._max_bytes:
            return
        with self._lock:
            if sha256 in self._entries:
                self._drop(sha256)
            self._entries[sha256] = document
            self._bytes += size
            while len(self._entries) > self._max_count or self._bytes > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, sha256: str) -> None:
        self._bytes -= _size(self._entries.pop(sha256))


def _size(document: StoredDocument) -> int:
    return len(document.body.encode("utf-8", "surrogatepass"))
