"""Fetching GraphiQL's pinned files: from a real HTTP server on loopback, serving tarballs
built here, so each way a registry can answer wrong bytes is tried."""

from __future__ import annotations

import io
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graphql_api import graphiql_assets
from graphql_api.graphiql_assets import Package, sri
from todo_tools import graphiql_fetch
from todo_tools.graphiql_fetch import AssetError, fetch

SCRIPT = b"window.Thing = {};\n"
STYLE = b"body { margin: 0 }\n"


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


class Registry:
    """Serves one tarball at /thing-1.0.0.tgz and counts the requests."""

    def __init__(self, tarball: bytes) -> None:
        self.tarball = tarball
        self.requests = 0
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests += 1
                self.send_response(200)
                self.send_header("content-length", str(len(registry.tarball)))
                self.end_headers()
                self.wfile.write(registry.tarball)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/thing-1.0.0.tgz"

    def package(self, *, integrity: str | None = None, script: bytes = SCRIPT) -> Package:
        return Package(
            "thing",
            "1.0.0",
            self.url,
            integrity or sri(self.tarball, "sha512"),
            ("dist/thing.js", "dist/thing.css"),
            (sri(script, "sha384"), sri(STYLE, "sha384")),
        )


@pytest.fixture
def registry() -> Iterator[Registry]:
    registry = Registry(_tarball({"dist/thing.js": SCRIPT, "dist/thing.css": STYLE}))
    thread = threading.Thread(target=registry.server.serve_forever, daemon=True)
    thread.start()
    yield registry
    registry.server.shutdown()
    registry.server.server_close()


def test_fetch_writes_the_pinned_files_under_their_versioned_paths(
    registry: Registry, tmp_path: Path
) -> None:
    pinned = (registry.package(),)
    fetch(tmp_path, pinned)
    assert (tmp_path / "thing@1.0.0/dist/thing.js").read_bytes() == SCRIPT
    assert (tmp_path / "thing@1.0.0/dist/thing.css").read_bytes() == STYLE
    assert graphiql_assets.complete(tmp_path, pinned)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        "thing.css",
        "thing.js",
    ]


def test_fetch_downloads_nothing_when_the_files_are_there_and_intact(
    registry: Registry, tmp_path: Path
) -> None:
    pinned = (registry.package(),)
    fetch(tmp_path, pinned)
    fetch(tmp_path, pinned)
    assert registry.requests == 1


def test_fetch_replaces_an_altered_file(registry: Registry, tmp_path: Path) -> None:
    pinned = (registry.package(),)
    fetch(tmp_path, pinned)
    (tmp_path / "thing@1.0.0/dist/thing.js").write_bytes(b"alert('altered')")
    fetch(tmp_path, pinned)
    assert registry.requests == 2
    assert (tmp_path / "thing@1.0.0/dist/thing.js").read_bytes() == SCRIPT


def test_a_tarball_other_than_the_locks_is_refused(registry: Registry, tmp_path: Path) -> None:
    other = sri(b"another tarball", "sha512")
    with pytest.raises(AssetError, match="does not match its sha512 integrity"):
        fetch(tmp_path, (registry.package(integrity=other),))
    assert list(tmp_path.iterdir()) == []


def test_a_file_other_than_the_locks_is_refused(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"thing\.js does not match its sha384 integrity"):
        fetch(tmp_path, (registry.package(script=b"window.Other = {};\n"),))
    assert not (tmp_path / "thing@1.0.0/dist/thing.js").exists()


def test_an_unreachable_registry_is_one_clear_error(tmp_path: Path) -> None:
    registry = Registry(b"")
    registry.server.server_close()  # nothing listens on that port any more
    with pytest.raises(AssetError, match=r"cannot fetch http://127\.0\.0\.1"):
        fetch(tmp_path, (registry.package(),))


def test_the_lock_pins_every_file_by_npms_integrity_and_an_sri_hash() -> None:
    pinned = graphiql_assets.packages()
    assert [p.name for p in pinned] == [
        "react",
        "react-dom",
        "graphiql",
        "@graphiql/plugin-explorer",
    ]
    for package in pinned:
        assert package.tarball.startswith("https://registry.npmjs.org/")
        assert package.integrity.startswith("sha512-")
        assert all(i.startswith("sha384-") for i in package.file_integrity)


def test_the_cache_follows_xdg() -> None:
    env = {"XDG_CACHE_HOME": "/x/cache", "HOME": "/home/ann"}
    assert graphiql_fetch.cache_dir(env) == Path("/x/cache/todo-api/graphiql")
    assert graphiql_fetch.cache_dir({"HOME": "/home/ann"}) == Path(
        "/home/ann/.cache/todo-api/graphiql"
    )
