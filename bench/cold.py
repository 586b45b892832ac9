"""Cold starts: fresh interpreters, timed from spawn to each line `cold_child.py` prints.

Every child runs with `-S -B`: no site processing (the same for every variant; Lambda's own
start-up is not ours to measure) and no bytecode written, as on Lambda's read-only
`/var/task`: a module without a valid `.pyc` is compiled on every cold start.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.lambda_events import event, graphql_post

HERE = Path(__file__).parent
REPO = HERE.parent
LOOKUP = "query Lookup($id: ID!) { todo(id: $id) { id userId content status version } }"
TODO_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Variant:
    name: str
    python: str
    path: tuple[str, ...]
    mode: str
    """`floor`, `botocore`, `stack`, `plain` or `ours` (see cold_child.py)."""

    @property
    def serves(self) -> bool:
        return self.mode in ("plain", "ours")


@dataclass(frozen=True)
class Run:
    ms: dict[str, float]
    """Milliseconds from spawn to `init`, and to `first` and `second` where the mode serves."""
    rss_kib: dict[str, int]


@dataclass(frozen=True)
class Summary:
    variant: Variant
    runs: list[Run]

    def ms(self, stage: str) -> float:
        return statistics.median(run.ms[stage] for run in self.runs)

    def rss_mb(self, stage: str) -> float:
        return statistics.median(run.rss_kib[stage] for run in self.runs) / 1024


def variants(
    artifact: Path | None,
    artifact_python: str,
    baseline: Path | None = None,
    baseline_artifact: Path | None = None,
) -> list[Variant]:
    site = sysconfig.get_paths()["purelib"]
    found = [
        Variant("floor", sys.executable, (site,), "floor"),
        Variant("plain handler", sys.executable, (site,), "plain"),
        Variant("ours, source tree", sys.executable, (str(REPO), site), "ours"),
    ]
    if baseline is not None:
        found.append(Variant("baseline, source", sys.executable, (str(baseline), site), "ours"))
    if artifact is not None:
        found += [
            Variant("botocore, artifact", artifact_python, (str(artifact),), "botocore"),
            Variant("stack, artifact", artifact_python, (str(artifact),), "stack"),
            Variant("ours, artifact", artifact_python, (str(artifact),), "ours"),
        ]
    if baseline_artifact is not None:
        path = (str(baseline_artifact),)
        found.append(Variant("baseline, artifact", artifact_python, path, "ours"))
    return found


def measure(
    chosen: Sequence[Variant], runs: int, workdir: Path, *, warm_up: bool = True
) -> list[Summary]:
    """`runs` cold starts of each variant, interleaved, after one untimed start of each (which
    fills the page cache) unless not `warm_up`."""
    _prepare(workdir, [Path(v.path[0]) for v in chosen if v.mode == "ours" and len(v.path) > 1])
    results: dict[str, list[Run]] = {variant.name: [] for variant in chosen}
    for variant in chosen if warm_up else ():
        run_once(variant, workdir)
    for _ in range(runs):
        for variant in chosen:
            results[variant.name].append(run_once(variant, workdir))
    return [Summary(variant, results[variant.name]) for variant in chosen]


def run_once(variant: Variant, workdir: Path) -> Run:
    command = [variant.python, "-S", "-B", str(workdir / "cold_child.py"), variant.mode]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*command, str(workdir / "events.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=workdir,
        env=_environment(variant.path),
    )
    assert child.stdout is not None
    assert child.stderr is not None
    ms: dict[str, float] = {}
    rss: dict[str, int] = {}
    for line in child.stdout:
        stage, kib = line.split()
        ms[stage] = (time.perf_counter() - started) * 1000
        rss[stage] = int(kib)
    errors = child.stderr.read()
    if child.wait() != 0:
        raise RuntimeError(f"{variant.name}: the cold start failed:\n{errors}")
    return Run(ms, rss)


def _prepare(workdir: Path, source_trees: Sequence[Path]) -> None:
    for name in ("cold_child.py", "fake_dynamodb.py", "plain_handler.py"):
        shutil.copy(HERE / name, workdir / name)
    rest = event("http_api_v2", "GET", f"/todo/{TODO_ID}")
    events = {"id": TODO_ID, "first": graphql_post("http_api_v2", LOOKUP, id=TODO_ID)}
    events |= {"second": rest, "plain": rest}
    (workdir / "events.json").write_text(json.dumps(events))
    # A source tree that has run once has its bytecode; never time the compiler.
    for tree in source_trees:
        compileall.compile_dir(tree / "graphql_api", quiet=1)


def _environment(path: Sequence[str]) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON", "TODO_", "DYNAMODB_"))
    }
    return kept | {
        "PYTHONPATH": os.pathsep.join(path),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "TODO_TABLE_NAME": "todos-bench",
    }
