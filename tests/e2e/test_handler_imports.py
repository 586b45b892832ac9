from __future__ import annotations

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
