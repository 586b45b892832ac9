"""The port for persisted GraphQL documents: operations stored under the SHA-256 of their text.

Two kinds share one key space, since a hash names exactly one text: documents clients
registered on the fly (automatic persisted queries), which expire, and trusted documents an
operator registered from a client build's manifest, which do not. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredDocument:
    body: str
    trusted: bool
    expires_at: int | None
    """Epoch seconds after which the document is gone; None for a trusted one."""


@dataclass(frozen=True, slots=True)
class TrustedDocument:
    """One operation of a client build's manifest."""

    sha256: str
    body: str
    name: str | None = None
    type: str | None = None


class DocumentStore(Protocol):
    """Documents by the lowercase hex SHA-256 of their text. Callers check the hash."""

    def find(self, sha256: str, *, now: float) -> StoredDocument | None:
        """The document stored under `sha256`, or None; one expired at `now` is absent."""
        ...

    def remember(self, sha256: str, body: str, *, expires_at: int) -> None:
        """Keep an automatically persisted document until `expires_at` (epoch seconds), or
        extend its life. A trusted document stays trusted and never expires."""
        ...

    def trust(self, documents: Sequence[TrustedDocument]) -> None:
        """Register trusted documents: they never expire (an automatically persisted one
        with the same hash becomes trusted)."""
        ...
