from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TODO_API = str(Path(sys.executable).parent / "todo-api")


def test_package_holds_the_runtime_dependencies_only(tmp_path: Path) -> None:
    output = tmp_path / "lambda"
    result = subprocess.run(
        [TODO_API, "package", "--output", str(output)], capture_output=True, text=True, check=True
    )
    installed = {path.name for path in output.iterdir()}
    assert {"graphql_api", "strawberry", "starlette", "mangum", "botocore", "pythonjsonlogger"} <= (
        installed
    )
    assert not {"uvicorn", "moto", "pytest", "playwright", "tests", "bin"} & installed
    assert (output / "graphql_api" / "handler.py").is_file()
    assert "MB zipped, for Python 3.14 on manylinux2014_aarch64" in result.stderr
