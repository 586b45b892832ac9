"""The benchmark suite's quick mode runs every part (its figures unchecked: benchmarks print,
tests assert behaviour), so CI notices when the suite breaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[1]
PARTS = (
    "load",
    "Cold start",
    "ours, artifact",
    "ours, source tree",
    "RSS 2 req",
    "Warm",
    "plain GET /todo/{id}",
    "GraphQL todo(id:)",
    "GraphQL 10 aliased todo(id:)",
    "REST DELETE /todo/{id}",
    "1 GetItem",
    "Our artifact:",
    ".pyc",
    "Issue 9's table",
)


def test_the_quick_benchmark_runs_every_part() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [part for part in PARTS if part not in result.stdout] == [], result.stdout
