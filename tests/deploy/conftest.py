"""The Lambda artifact, built once per test session for this machine, and what runs it."""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from todo_tools.dynamodb import embedded_dynamodb
from todo_tools.packaging import LAMBDA_PYTHON, find_interpreter

TODO_API = str(Path(sys.executable).parent / "todo-api")
# The template's function runs on arm64 and this machine may not: the native wheels of an arm64
# build (cryptography's, with --jwks) cannot load here. The tests build for this machine's
# architecture instead; everything else (the Python version, the trim, the bytecode) is the same
# as the arm64 default, which test_package checks without running it.
HOST_PLATFORM = f"manylinux2014_{platform.machine()}"


@pytest.fixture(scope="session")
def runtime_python() -> str:
    """An interpreter of the runtime's Python version, found as `todo-api package` finds it."""
    return find_interpreter(LAMBDA_PYTHON)


def package(output: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TODO_API, "package", "--output", str(output), *options],
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="session")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("artifact") / "lambda"
    package(output, "--platform", HOST_PLATFORM)
    return output


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's DynamoDB as a real HTTP server, from the test environment (never the artifact)."""
    with embedded_dynamodb() as url:
        yield url
