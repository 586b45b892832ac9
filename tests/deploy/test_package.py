from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from graphql_api import graphiql_assets
from tests.deploy.conftest import TODO_API, package
from todo_tools.packaging import LAMBDA_PYTHON, SOURCES_KEPT, copy_build_inputs

RUNNING = "{}.{}".format(*sys.version_info[:2])  # the tests' Python, not the runtime's
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def test_package_holds_the_runtime_dependencies_only_for_the_templates_runtime(
    tmp_path: Path,
) -> None:
    output = tmp_path / "lambda"
    result = package(output)
    installed = {path.name for path in output.iterdir()}
    assert {"graphql_api", "strawberry", "starlette", "mangum", "botocore", "pythonjsonlogger"} <= (
        installed
    )
    assert not {"uvicorn", "moto", "pytest", "playwright", "tests", "bin"} & installed
    assert (output / "graphql_api" / "handler.py").is_file()
    # No native code: what the tests run on this machine's architecture is the arm64 artifact.
    assert not [p for p in output.rglob("*") if p.suffix == ".so"]
    sources = len(list(output.rglob("*.py")))
    modules = sources + len(sourceless(output))
    assert len(list(output.rglob("*.pyc"))) == modules
    assert (
        f"{modules} pycs for {modules} modules ({sources} with their source), for Python "
        f"{LAMBDA_PYTHON} on manylinux2014_aarch64" in result.stdout
    )


def sourceless(artifact: Path) -> list[Path]:
    return [p for p in artifact.rglob("*.pyc") if p.parent.name != "__pycache__"]


def test_every_module_has_unchecked_hash_bytecode_of_the_runtimes_version(
    artifact: Path, runtime_python: str
) -> None:
    magic = subprocess.run(
        [runtime_python, "-I", "-c", "import importlib.util as u; print(u.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tag = "cpython-" + LAMBDA_PYTHON.replace(".", "")
    sources = list(artifact.rglob("*.py"))
    pycs = [s.parent / "__pycache__" / f"{s.stem}.{tag}.pyc" for s in sources]
    pycs += sourceless(artifact)
    assert len(pycs) > 500
    for pyc in pycs:
        header = pyc.read_bytes()[:8]
        assert (header[:4].hex(), int.from_bytes(header[4:8], "little")) == (
            magic,
            UNCHECKED_HASH,
        ), pyc
    assert {p.name.split(".")[1] for p in artifact.rglob("__pycache__/*.pyc")} == {tag}


def test_only_our_package_and_anyio_ship_their_sources(artifact: Path) -> None:
    """anyio reads its own source at import; every other library ships bytecode alone."""
    assert {p.relative_to(artifact).parts[0] for p in artifact.rglob("*.py")} == SOURCES_KEPT
    assert (artifact / "botocore" / "client.pyc").is_file()
    assert not (artifact / "botocore" / "__pycache__").exists()


def test_trim_leaves_other_services_frameworks_and_optional_libraries_out(artifact: Path) -> None:
    assert {p.name for p in (artifact / "botocore" / "data").iterdir() if p.is_dir()} == {
        "dynamodb"
    }
    gone = ["boto3/data", "strawberry/django", "strawberry/cli", "cryptography", "packaging"]
    assert [name for name in gone if (artifact / name).exists()] == []
    assert not list(artifact.rglob("*.pyi"))
    assert not list(artifact.glob("*.dist-info/direct_url.json"))


def test_records_list_exactly_the_files_that_ship(artifact: Path) -> None:
    listed: set[str] = set()
    for record in artifact.glob("*.dist-info/RECORD"):
        with record.open(newline="") as rows:
            listed |= {row[0] for row in csv.reader(rows) if row}
    shipped = {p.relative_to(artifact).as_posix() for p in artifact.rglob("*") if p.is_file()}
    # GraphiQL's files come from the npm registry after pip, in no distribution's RECORD.
    graphiql = {p for p in shipped if p.startswith("graphql_api/_graphiql_assets/")}
    assert graphiql
    assert listed == shipped - graphiql


def test_the_build_reads_the_sources_not_an_earlier_builds_leftovers(tmp_path: Path) -> None:
    source = tmp_path / "checkout"
    for path in ("graphql_api/gql/kept.py", "build/lib/graphql_api/gql/deleted.py"):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text("")
    (source / "graphql_api/__pycache__").mkdir()
    (source / "graphql_api/__pycache__/deleted.cpython-311.pyc").write_bytes(b"")
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_text("")
    (source / "todo_tools").mkdir()
    (tmp_path / "copy").mkdir()
    copy_build_inputs(source, tmp_path / "copy")
    copied = {p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*")}
    assert copied == {
        "pyproject.toml",
        "README.md",
        "graphql_api",
        "graphql_api/gql",
        "graphql_api/gql/kept.py",
        "todo_tools",
    }


def test_an_interpreter_of_another_version_is_named_and_nothing_is_built(tmp_path: Path) -> None:
    output = tmp_path / "lambda"
    result = subprocess.run(
        [TODO_API, "package", "--output", str(output), "--python", sys.executable],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"todo-api: --python {sys.executable} is Python {RUNNING}, not Python {LAMBDA_PYTHON} "
    )
    assert result.stderr.count("\n") == 1
    assert not output.exists()


def test_sam_builds_makefile_target_passes_the_interpreter_it_is_given(tmp_path: Path) -> None:
    output = tmp_path / "lambda"
    result = subprocess.run(
        ["make", "--silent", "build-TodoFunction", f"ARTIFACTS_DIR={output}"],
        cwd=Path(__file__).parents[2],
        env={**os.environ, "LAMBDA_PYTHON": sys.executable},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert f"is Python {RUNNING}, not Python {LAMBDA_PYTHON}" in result.stderr
    assert not output.exists()


def test_a_failing_install_ends_in_one_line_of_ours_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [TODO_API, "package", "--output", str(tmp_path / "lambda"), "--platform", "no_such_os"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.endswith("todo-api: pip install failed (exit code 1); see above\n")
    assert "Traceback" not in result.stderr


def test_package_ships_graphiqls_verified_files_where_the_handler_serves_them(
    artifact: Path,
) -> None:
    package = artifact / "graphql_api"
    assert graphiql_assets.complete(package / "_graphiql_assets")
    assert (package / "graphiql_assets.json").is_file()
    assert {p.name for p in (package / "gql" / "static").iterdir()} == {
        "graphiql.css",
        "graphiql.js",
    }
