"""GraphiQL's files, pinned in `graphiql_assets.json` and fetched from the npm registry when a
build or a local server needs them; never kept in this repository.

The lock names each npm tarball with the registry's own `sha512` integrity and, for each file
the page loads from it, that file's `sha384` (the page's Subresource Integrity attribute). A
tarball or a file that does not match is refused, and nothing half-fetched is ever served:
files are written under a temporary name and renamed into place once verified.

Files are laid out as `<package>@<version>/<path>`, unpkg's and jsDelivr's layout, so the same
paths work under the API (`graphiql/assets/…`) and under any base URL that mirrors npm.

To move to a new version, change the lock: `npm view <package>@<version> dist.tarball
dist.integrity` gives the tarball's entry; each file's `sha384` is
`openssl dgst -sha384 -binary FILE | base64` with a `sha384-` prefix.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOCK = Path(__file__).with_name("graphiql_assets.json")
# Where `todo-api package` puts the files inside the Lambda artifact, next to this module.
PACKAGED = Path(__file__).with_name("_graphiql_assets")
_TIMEOUT_S = 30


class AssetError(Exception):
    """The files could not be fetched, or what was fetched is not what the lock pins."""


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


def cache_dir(env: Mapping[str, str]) -> Path:
    """Where a local server keeps the files it fetched: the user's cache, per XDG."""
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "todo-api" / "graphiql"


def fetch(directory: Path, pinned: tuple[Package, ...] | None = None) -> None:
    """Put every pinned file in `directory`, fetching only the packages it lacks or holds
    altered; raise AssetError when the registry cannot be reached or answers other bytes."""
    for package in pinned or packages():
        if not _verified(directory, package):
            _extract(_download(package), package, directory)


def bundle(artifact: Path) -> Path:
    """Put the files where the Lambda handler looks for them inside an artifact built from
    this package (`artifact/graphql_api/…`); return that directory."""
    target = artifact / PACKAGED.parent.name / PACKAGED.name
    fetch(target)
    return target


def _verified(directory: Path, package: Package) -> bool:
    for asset in package.assets():
        file = directory / asset.path
        if not file.is_file() or sri(file.read_bytes(), "sha384") != asset.integrity:
            return False
    return True


def _download(package: Package) -> bytes:
    # Here rather than at the top: the Lambda handler serves the files but never fetches
    # them, and need not import an HTTP client and tarfile on every cold start (about 2 ms).
    import urllib.request

    try:
        with urllib.request.urlopen(package.tarball, timeout=_TIMEOUT_S) as response:
            tarball: bytes = response.read()
    except OSError as exc:
        raise AssetError(f"cannot fetch {package.tarball}: {exc}") from exc
    if sri(tarball, "sha512") != package.integrity:
        raise AssetError(f"{package.tarball} does not match its sha512 integrity in the lock")
    return tarball


def _extract(tarball: bytes, package: Package, directory: Path) -> None:
    import tarfile  # see _download

    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for file, asset in zip(package.files, package.assets(), strict=True):
            member = archive.extractfile(f"package/{file}")
            if member is None:
                raise AssetError(f"{package.name}@{package.version} has no {file}")
            content = member.read()
            if sri(content, "sha384") != asset.integrity:
                raise AssetError(f"{asset.path} does not match its sha384 integrity in the lock")
            _write(directory / asset.path, content)


def _write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(content)
    partial.replace(target)


def sri(content: bytes, algorithm: str) -> str:
    """A Subresource Integrity value (npm's `integrity` uses the same form)."""
    digest = hashlib.new(algorithm, content).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"
