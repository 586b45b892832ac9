from __future__ import annotations

import os
import subprocess
import sys


def test_importing_the_handler_loads_nothing_only_local_runs_or_tests_need() -> None:
    script = (
        "import sys, graphql_api.handler; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'uvicorn', 'moto', 'tests', 'pytest', 'werkzeug', 'flask', 'boto3', 's3transfer'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def run(script: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return result.stdout.strip()


def test_a_cold_start_freezes_what_it_built_and_leaves_the_collector_on() -> None:
    script = "import gc, graphql_api.handler; print(gc.isenabled(), gc.get_freeze_count() > 10_000)"
    assert run(script) == "True True"


def test_a_cold_start_that_fails_leaves_the_collector_on() -> None:
    script = (
        "import gc\n"
        "try:\n    import graphql_api.handler\n"
        "except Exception as exc:\n    print(type(exc).__name__, gc.isenabled())"
    )
    assert run(script, TODO_PAGE_SIZE_MAX="many") == "ConfigError True"
