"""GraphiQL's files, pinned in `graphiql_assets.json`: what the page loads, and where the
artifact keeps them. `todo_tools.graphiql_fetch` fetches them from the npm registry when a
build or a local server needs them; they are never kept in this repository.

The lock names each npm tarball with the registry's own `sha512` integrity and, for each file
the page loads from it, that file's `sha384` (the page's Subresource Integrity attribute).

Files are laid out as `<package>@<version>/<path>`, unpkg's and jsDelivr's layout, so the same
paths work under the API (`graphiql/assets/…`) and under any base URL that mirrors npm.

To move to a new version, change the lock: `npm view <package>@<version> dist.tarball
dist.integrity` gives the tarball's entry; each file's `sha384` is
`openssl dgst -sha384 -binary FILE | base64` with a `sha384-` prefix.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

LOCK = Path(__file__).with_name("graphiql_assets.json")
# Where `todo-api package` puts the files inside the Lambda artifact, next to this module.
PACKAGED = Path(__file__).with_name("_graphiql_assets")


@dataclass(frozen=True, slots=True)
class Asset:
    """One file the page loads: its path under the assets root and its SRI hash."""

    path: str
    integrity: str


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    tarball: str
    integrity: str
    files: tuple[str, ...]
    file_integrity: tuple[str, ...]

    def assets(self) -> tuple[Asset, ...]:
        return tuple(
            Asset(f"{self.name}@{self.version}/{file}", sri)
            for file, sri in zip(self.files, self.file_integrity, strict=True)
        )


def packages(lock: Path = LOCK) -> tuple[Package, ...]:
    entries = json.loads(lock.read_text(encoding="utf-8"))["packages"]
    return tuple(
        Package(
            e["name"],
            e["version"],
            e["tarball"],
            e["integrity"],
            tuple(f["path"] for f in e["files"]),
            tuple(f["integrity"] for f in e["files"]),
        )
        for e in entries
    )


def assets(pinned: tuple[Package, ...] | None = None) -> tuple[Asset, ...]:
    """Every file the page loads, in the order it loads them."""
    return tuple(a for p in (pinned or packages()) for a in p.assets())


def complete(directory: Path, pinned: tuple[Package, ...] | None = None) -> bool:
    """Whether `directory` holds every pinned file (their content is the browser's to check)."""
    return all((directory / a.path).is_file() for a in assets(pinned))


def sri(content: bytes, algorithm: str) -> str:
    """A Subresource Integrity value (npm's `integrity` uses the same form)."""
    digest = hashlib.new(algorithm, content).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"
