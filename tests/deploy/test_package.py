from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql_api import graphiql_assets

TODO_API = str(Path(sys.executable).parent / "todo-api")


def test_package_holds_the_runtime_dependencies_only(tmp_path: Path) -> None:
    output = tmp_path / "lambda"
    result = subprocess.run(
        [TODO_API, "package", "--output", str(output)], capture_output=True, text=True, check=True
    )
    installed = {path.name for path in output.iterdir()}
    assert {"graphql_api", "strawberry", "starlette", "mangum", "boto3", "pythonjsonlogger"} <= (
        installed
    )
    assert not {"uvicorn", "moto", "pytest", "playwright", "tests", "bin"} & installed
    assert (output / "graphql_api" / "handler.py").is_file()
    assert "MB zipped, for Python 3.14 on manylinux2014_aarch64" in result.stdout


def test_package_ships_graphiqls_verified_files_where_the_handler_serves_them(
    tmp_path: Path,
) -> None:
    output = tmp_path / "lambda"
    subprocess.run([TODO_API, "package", "--output", str(output)], check=True)
    package = output / "graphql_api"
    assert graphiql_assets.complete(package / "_graphiql_assets")
    assert (package / "graphiql_assets.json").is_file()
    assert {p.name for p in (package / "gql" / "static").iterdir()} == {
        "graphiql.css",
        "graphiql.js",
    }
