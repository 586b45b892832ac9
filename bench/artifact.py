"""The Lambda artifact: built by `todo-api package`, sized, and checked for bytecode."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from todo_tools.packaging import PackagingError, find_interpreter, zipped_size

REPO = Path(__file__).parent.parent
_PYC_HEADER = 16


@dataclass(frozen=True)
class Interpreter:
    python: str
    cache_tag: str
    magic: bytes


@dataclass(frozen=True)
class Inventory:
    files: int
    unpacked_bytes: int
    zipped_bytes: int
    modules: int
    """`.py` files, and `.pyc` files in a source's place (sourceless modules)."""
    without_bytecode: int
    """Modules with no valid `.pyc` for the interpreter: a source compiled at every cold start,
    or a sourceless module that cannot load at all."""


def build(output: Path, source: Path = REPO) -> str:
    """`todo-api package --output output`, from the source tree `source`; what it printed
    last."""
    result = subprocess.run(
        [sys.executable, "-m", "todo_tools.cli", "package", "--output", str(output)],
        capture_output=True,
        text=True,
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    if result.returncode != 0:
        raise RuntimeError("todo-api package failed: " + "\n".join(lines[-5:]))
    summary = [line for line in lines if "zipped" in line]  # pip's warnings come first
    return (summary or lines or [""])[-1]


def interpreter_for(artifact: Path, given: str | None) -> Interpreter:
    """`given`, else the `python3.X` whose bytecode most of the artifact holds, where this
    machine has it, else this interpreter."""
    python = given or _matching_python(artifact) or sys.executable
    probe = (
        "import sys, importlib.util; "
        "print(sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex())"
    )
    tag, magic = subprocess.run(
        [python, "-S", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    return Interpreter(python, tag, bytes.fromhex(magic))


def _matching_python(artifact: Path) -> str | None:
    tags = Counter(path.name.split(".")[-2] for path in artifact.rglob("__pycache__/*.pyc"))
    if not tags:
        return None
    tag = tags.most_common(1)[0][0]  # e.g. cpython-313
    if not tag.startswith("cpython-3"):
        return None
    try:  # where `todo-api package` would find it: on PATH, or installed by pyenv
        return find_interpreter(f"3.{tag.removeprefix('cpython-3')}")
    except PackagingError:
        return None


def inventory(artifact: Path, interpreter: Interpreter) -> Inventory:
    files = [path for path in artifact.rglob("*") if path.is_file()]
    sources = [path for path in files if path.suffix == ".py"]
    sourceless = [p for p in files if p.suffix == ".pyc" and p.parent.name != "__pycache__"]
    missing = sum(not _has_valid_pyc(path, interpreter) for path in sources)
    missing += sum(_header(path)[:4] != interpreter.magic for path in sourceless)
    unpacked = sum(path.stat().st_size for path in files)
    modules = len(sources) + len(sourceless)
    return Inventory(len(files), unpacked, zipped_size(artifact, files), modules, missing)


def _header(pyc: Path) -> bytes:
    try:
        with pyc.open("rb") as file:
            return file.read(_PYC_HEADER)
    except OSError:
        return b""


def _has_valid_pyc(source: Path, interpreter: Interpreter) -> bool:
    """A pyc the interpreter would load without compiling: its magic number, and either an
    unchecked hash or the source's modification time and size."""
    header = _header(source.parent / "__pycache__" / f"{source.stem}.{interpreter.cache_tag}.pyc")
    if len(header) < _PYC_HEADER or header[:4] != interpreter.magic:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags == 0b01:  # an unchecked hash: loaded as it is
        return True
    if flags == 0b11:  # a checked hash, which this interpreter can verify only for its own
        same = interpreter.magic == importlib.util.MAGIC_NUMBER
        return not same or header[8:16] == importlib.util.source_hash(source.read_bytes())
    stat = source.stat()
    mtime, size = (int.from_bytes(header[i : i + 4], "little") for i in (8, 12))
    return mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF
