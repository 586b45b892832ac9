"""Fetching GraphiQL's pinned files (`graphql_api/graphiql_assets.json`) from the npm registry,
for the artifact (`todo-api package`) and for a local server (`todo-api serve`).

A tarball or a file that does not match the lock's `sha512` or `sha384` is refused, and nothing
half-fetched is ever served: files are written under a temporary name and renamed into place
once verified.
"""

from __future__ import annotations

import io
import tarfile
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from graphql_api.graphiql_assets import PACKAGED, Package, packages, sri

_TIMEOUT_S = 30


class AssetError(Exception):
    """The files could not be fetched, or what was fetched is not what the lock pins."""


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

    try:
        with urllib.request.urlopen(package.tarball, timeout=_TIMEOUT_S) as response:
            tarball: bytes = response.read()
    except OSError as exc:
        raise AssetError(f"cannot fetch {package.tarball}: {exc}") from exc
    if sri(tarball, "sha512") != package.integrity:
        raise AssetError(f"{package.tarball} does not match its sha512 integrity in the lock")
    return tarball


def _extract(tarball: bytes, package: Package, directory: Path) -> None:
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
