"""`todo-api package`: the Lambda artifact, trimmed to what the handler runs and compiled to
bytecode by the runtime's own Python version.

Lambda imports from `/var/task`, which is read-only: without bytecode beside the sources, every
cold start compiles every module again (and cannot keep the result). So the artifact ships
unchecked-hash pycs, compiled by an interpreter of the template's exact Python minor version,
and nothing that the handler never imports or reads (tests/deploy/test_artifact.py runs real
events through the unpacked artifact and lists what the run opened).
"""

from __future__ import annotations

import csv
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from todo_tools import graphiql_fetch

# What template.yaml names (Runtime python3.13, Architectures arm64); a test holds them equal.
LAMBDA_PYTHON = "3.13"
LAMBDA_PLATFORM = "manylinux2014_aarch64"

# The only services whose botocore data the handler loads; every other service's models (four
# fifths of the installed dependencies) go.
BOTOCORE_SERVICES = frozenset({"dynamodb"})

# Paths (globs from the artifact's root) that nothing on Lambda imports or reads: the workshop
# (this package, and the `todo-api` script), other frameworks' Strawberry integrations (their
# frameworks are not in the artifact) and its HTTP views (the app serves GraphQL over HTTP
# itself), code generators and their command line, tests, typing stubs, boto3's resource layer
# for DynamoDB and its customisations of other services (the handler uses a DynamoDB client),
# API examples for documentation, dateutil's own time zone database (botocore asks dateutil
# only for UTC and the local zone), and pip's records of the build machine.
DROPPED = (
    "bin",
    "todo_tools",
    "**/__pycache__",
    "**/*.pyi",
    "**/py.typed",
    "botocore/data/*/*/examples-1.json",
    "boto3/data",
    "boto3/examples",
    "boto3/dynamodb",
    "boto3/ec2",
    "boto3/s3",
    "dateutil/zoneinfo/*.tar.gz",
    *(
        f"strawberry/{part}"
        for part in (
            "aiohttp",
            "chalice",
            "channels",
            "django",
            "fastapi",
            "flask",
            "litestar",
            "quart",
            "sanic",
            "pydantic",
            "cli",
            "codegen",
            "codemods",
            "schema_codegen",
            "ext/mypy_plugin.py",
            "__main__.py",
            "test",
            "asgi",
            "http/base.py",
            "http/async_base_view.py",
            "http/sync_base_view.py",
        )
    ),
    "*.dist-info/direct_url.json",
    "*.dist-info/INSTALLER",
    "*.dist-info/REQUESTED",
)

# Distributions needed only by an optional feature, and the option that keeps them: the
# cryptography library (and its cffi) verifies RS256/ES256 tokens against an issuer's JWKS, which
# the function does only when configured to verify tokens itself (TODO_JWT_ISSUER); the
# template's function leaves that to API Gateway's JWT authorizer.
OPTIONAL_DISTRIBUTIONS = {"jwks": ("cryptography", "cffi", "pycparser")}

# Installed as dependencies, imported by nothing that ships: `packaging` serves only Strawberry's
# Datadog tracing extension, whose ddtrace is not in the artifact; `cross-web` only Strawberry's
# HTTP views, which the app does not use (gql/ serves GraphQL over HTTP itself).
UNUSED_DISTRIBUTIONS = ("packaging", "cross_web")

# The packages that ship their sources beside their bytecode; every other module ships as
# sourceless bytecode (`module.pyc` where `module.py` was), which halves its share of the zip.
# Our own, so that our tracebacks show the failing line; anyio, which reads its own source at
# import (`inspect.getsource`, for the imports under its `TYPE_CHECKING` blocks that it then
# loads lazily; without the source it imports them all). The cost: a library's frames in a
# traceback name file and line but cannot show the line's text.
SOURCES_KEPT = frozenset({"graphql_api", "anyio"})


class PackagingError(Exception):
    """The artifact cannot be built as it must be; the message says what to do."""


@dataclass(frozen=True)
class Artifact:
    root: Path
    files: int
    modules: int
    sources: int
    pycs: int
    unpacked_bytes: int
    zipped_bytes: int


def build(
    output: Path,
    *,
    platform: str = LAMBDA_PLATFORM,
    python: str | None = None,
    jwks: bool = False,
    graphiql: bool = True,
) -> Artifact:
    """Install the project with its runtime dependencies for `platform`, trim, compile, and
    add GraphiQL's pinned files unless told not to."""
    source = Path(__file__).resolve().parents[1]
    if not (source / "pyproject.toml").is_file():
        raise PackagingError("package builds from a source checkout of this project")
    interpreter = find_interpreter(LAMBDA_PYTHON, python)
    shutil.rmtree(output, ignore_errors=True)
    _install(source, output, platform)
    trim(output, keep_optional=("jwks",) if jwks else ())
    compile_bytecode(interpreter, output)
    drop_sources(output)
    if graphiql:
        try:
            graphiql_fetch.bundle(output)
        except graphiql_fetch.AssetError as exc:
            raise PackagingError(f"{exc} (--without-graphiql builds without it)") from None
    return measure(output)


def find_interpreter(version: str, given: str | None = None) -> str:
    """A Python `version` interpreter to compile with: `given`, else `pythonX.Y` on PATH, else
    one that pyenv installed."""
    why = f"Lambda's runtime python{version} loads only bytecode that Python {version} compiled"
    if given:
        found = _version_of(given)
        if found == version:
            return given
        what = f"Python {found}" if found else "not a Python interpreter that runs here"
        raise PackagingError(f"--python {given} is {what}, not Python {version} ({why})")
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [
        shutil.which(f"python{version}"),
        # Any patch release will do: bytecode's format changes only between minor versions.
        *sorted(glob.glob(f"{pyenv}/versions/{version}.*/bin/python{version}")),
    ]
    for candidate in filter(None, candidates):
        if _version_of(candidate) == version:
            return candidate
    raise PackagingError(
        f"no Python {version} interpreter found ({why}): install one (`pyenv install "
        f"{version}`, or Debian 13's `apt-get install python{version}`) or name it with "
        "--python PATH"
    )


def _version_of(interpreter: str) -> str | None:
    try:
        result = subprocess.run(
            [interpreter, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


# What a build of the project reads. Installing from a copy of only these keeps setuptools'
# in-tree `build/` out of it: a module deleted since the last build would otherwise ship.
_BUILD_INPUTS = ("pyproject.toml", "README.md", "graphql_api", "todo_tools")


def _install(source: Path, output: Path, platform: str) -> None:
    with tempfile.TemporaryDirectory(prefix="todo-api-source-") as clean:
        copy_build_inputs(source, Path(clean))
        _pip_install(Path(clean), output, platform)


def copy_build_inputs(source: Path, into: Path) -> None:
    for name in _BUILD_INPUTS:
        if (source / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source / name, into / name, ignore=ignore)
        else:
            shutil.copy2(source / name, into / name)


def _pip_install(source: Path, output: Path, platform: str) -> None:
    _run(
        "pip install",
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(output),
            "--platform",
            platform,
            "--implementation",
            "cp",
            "--python-version",
            LAMBDA_PYTHON,
            "--only-binary=:all:",
            str(source),
        ],
    )


def _run(what: str, command: list[str]) -> None:
    """Run a build step whose own output says what went wrong, if anything did."""
    exit_code = subprocess.run(command, check=False).returncode
    if exit_code:
        raise PackagingError(f"{what} failed (exit code {exit_code}); see above")


def trim(root: Path, *, keep_optional: Iterable[str] = ()) -> None:
    """Remove what the handler never imports or reads, and keep each RECORD true."""
    kept = set(keep_optional)
    unused = [
        *UNUSED_DISTRIBUTIONS,
        *(d for f, ds in OPTIONAL_DISTRIBUTIONS.items() if f not in kept for d in ds),
    ]
    for distribution in unused:
        _remove_distribution(root, distribution)
    for path in _dropped_paths(root):
        _remove(path)
    _rewrite_records(root)


def _dropped_paths(root: Path) -> Iterator[Path]:
    for pattern in DROPPED:
        yield from sorted(root.glob(pattern), reverse=True)  # a tree's leaves before its root
    data = root / "botocore" / "data"
    for service in sorted(p for p in data.iterdir() if p.is_dir()):
        if service.name not in BOTOCORE_SERVICES:
            yield service
            continue
        # botocore loads a service's newest API version only.
        yield from sorted(p for p in service.iterdir() if p.is_dir())[:-1]


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _remove_distribution(root: Path, name: str) -> None:
    """Every file a distribution's RECORD lists, its dist-info, and the folders left empty."""
    for record in root.glob(f"{name}-*.dist-info/RECORD"):
        with record.open(newline="") as rows:
            paths = [root / row[0] for row in csv.reader(rows) if row]
        for path in paths:
            path.unlink(missing_ok=True)
        for folder in sorted({p.parent for p in paths}, key=lambda p: len(p.parts), reverse=True):
            if folder != root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        shutil.rmtree(record.parent, ignore_errors=True)


def _rewrite_records(root: Path) -> None:
    """Each RECORD lists the files that ship, bytecode included (without a hash, as the
    wheel spec allows for it), so that the installed metadata describes the artifact."""
    for record in root.glob("*.dist-info/RECORD"):
        with record.open(newline="") as file:
            rows = [row for row in csv.reader(file) if row]
        listed = [row for row in rows if (root / row[0]).exists()]
        names = {row[0] for row in listed}
        pycs = [
            pyc
            for row in rows
            if row[0].endswith(".py") and (pyc := _bytecode_of(root, row[0])) and pyc not in names
        ]
        with record.open("w", newline="") as file:
            csv.writer(file, lineterminator="\n").writerows(listed + [[p, "", ""] for p in pycs])


def _bytecode_of(root: Path, source: str) -> str | None:
    """The bytecode that ships for a module the RECORD lists: beside its source where the
    source ships (compiled or yet to be), in its place where it does not."""
    if (root / source).is_file():
        return _pyc_of(source)
    sourceless = source + "c"
    return sourceless if (root / sourceless).is_file() else None


def _pyc_of(source: str) -> str:
    """Where Python LAMBDA_PYTHON, not optimising (as Lambda runs it), looks for the bytecode."""
    folder, _, name = source.rpartition("/")
    tag = "cpython-" + LAMBDA_PYTHON.replace(".", "")
    pyc = f"__pycache__/{name[: -len('.py')]}.{tag}.pyc"
    return f"{folder}/{pyc}" if folder else pyc


def compile_bytecode(interpreter: str, root: Path) -> None:
    """Unchecked-hash pycs: valid whatever the files' timestamps become in the zip, on upload
    and on Lambda's disk; a source never changes after the build, so nothing needs checking."""
    _run(
        "compileall",
        [
            interpreter,
            "-I",
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(root),
        ],
    )
    missing = [s for s in _sources(root) if not (root / _pyc_of(s)).is_file()]
    if missing:
        raise PackagingError(f"no bytecode was written for {len(missing)} modules: {missing[:5]}")


def drop_sources(root: Path) -> None:
    """Every module outside SOURCES_KEPT ships as its bytecode alone, at the place the import
    system looks for sourceless bytecode (`module.pyc` beside where `module.py` was)."""
    for source in _sources(root):
        if source.split("/")[0] in SOURCES_KEPT:
            continue
        (root / _pyc_of(source)).replace(root / (source + "c"))
        (root / source).unlink()
    for cache in sorted(root.rglob("__pycache__"), reverse=True):
        if not any(cache.iterdir()):
            cache.rmdir()
    _rewrite_records(root)


def _sources(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def measure(root: Path) -> Artifact:
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return Artifact(
        root=root,
        files=len(files),
        modules=sum(1 for path in files if path.suffix == ".py" or _sourceless(path)),
        sources=len(_sources(root)),
        pycs=sum(1 for path in files if path.suffix == ".pyc"),
        unpacked_bytes=sum(path.stat().st_size for path in files),
        zipped_bytes=zipped_size(root, files),
    )


def _sourceless(path: Path) -> bool:
    return path.suffix == ".pyc" and path.parent.name != "__pycache__"


def zipped_size(root: Path, files: list[Path]) -> int:
    """Bytes of `files` (under `root`) zipped as Lambda takes them."""
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                zipped.write(path, path.relative_to(root))
        return archive.tell()


def report(artifact: Artifact, platform: str) -> str:
    return (
        f"{artifact.root}: {artifact.files} files, {artifact.unpacked_bytes / 1e6:.1f} MB "
        f"unpacked, {artifact.zipped_bytes / 1e6:.1f} MB zipped, {artifact.pycs} pycs for "
        f"{artifact.modules} modules ({artifact.sources} with their source), for Python "
        f"{LAMBDA_PYTHON} on {platform}"
    )
