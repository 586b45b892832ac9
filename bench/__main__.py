"""The benchmark suite: `python -m bench [--quick] [--artifact DIR]` (see bench/README.md).

Prints, from one run: cold starts from the artifact and the source tree, warm cost per
operation, DynamoDB calls per operation, the artifact's size and bytecode, peak RSS, each as a
ratio to the floor (import boto3, create a DynamoDB client) or to a no-framework handler of
our own (bench/plain_handler.py), with the machine's load. `--quick` runs every part with tiny
counts, for CI: its figures mean nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import artifact, cold, warm


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke run for CI")
    parser.add_argument("--runs", type=int, default=11, help="cold starts per variant")
    parser.add_argument("--rounds", type=int, default=300, help="warm rounds of every operation")
    parser.add_argument(
        "--warm-only", action="store_true", help="only the warm requests (while tuning them)"
    )
    parser.add_argument(
        "--artifact", type=Path, help="a built artifact (default: `todo-api package` into a tmp)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another source tree (a work tree of main, say) measured in the same run: its cold "
        "start from source among ours, its warm requests in a child process right after ours",
    )
    parser.add_argument(
        "--artifact-python", help="the interpreter for the artifact (default: see bench/README.md)"
    )
    return parser.parse_args(argv)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    runs, rounds, warmup = (1, 3, 1) if args.quick else (args.runs, args.rounds, 20)
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; load {_load()}")
    built: Path | None = None
    cold_figures: list[cold.Summary] = []
    inventory: artifact.Inventory | None = None
    if not args.warm_only:
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
            built, cold_figures, inventory = _cold_part(args, Path(workdir), runs)
    warm_figures = warm.measure(warm.start(), rounds, warmup)
    if cold_figures:
        _print_cold(cold_figures, runs)
    _print_warm(warm_figures, rounds)
    _print_goals(cold_figures, warm_figures, inventory)
    if args.baseline is not None:
        _print_baseline_warm(args.baseline, rounds, quick=args.quick)
    print(f"load at the end: {_load()}")
    return 0 if built or args.warm_only else 1


def _cold_part(
    args: argparse.Namespace, workdir: Path, runs: int
) -> tuple[Path | None, list[cold.Summary], artifact.Inventory | None]:
    """The artifacts built and inventoried, then every variant's cold starts."""
    built, interpreter = _artifact(args, workdir / "artifact")
    before = _baseline_artifact(args.baseline, workdir / "baseline-artifact")
    inventory = None
    if built is not None and interpreter is not None:
        inventory = artifact.inventory(built, interpreter)
        _print_inventory(inventory, interpreter)
        if before is not None:
            _print_inventory(artifact.inventory(before, interpreter), interpreter, "Baseline")
    python = interpreter.python if interpreter else sys.executable
    chosen = cold.variants(built, python, args.baseline, before)
    (workdir / "cold").mkdir()
    figures = cold.measure(chosen, runs, workdir / "cold", warm_up=not args.quick)
    return built, figures, inventory


def _artifact(
    args: argparse.Namespace, output: Path
) -> tuple[Path | None, artifact.Interpreter | None]:
    built: Path | None = args.artifact
    if built is None:
        try:
            print(f"artifact: {artifact.build(output)}")
        except RuntimeError as exc:
            print(f"artifact: none measured; {exc}")
            return None, None
        built = output
    interpreter = artifact.interpreter_for(built, args.artifact_python)
    print(f"artifact: {built}, run by {interpreter.python} ({interpreter.cache_tag})")
    return built, interpreter


def _baseline_artifact(baseline: Path | None, output: Path) -> Path | None:
    if baseline is None:
        return None
    try:
        print(f"baseline artifact: {artifact.build(output, baseline)}")
    except RuntimeError as exc:
        print(f"baseline artifact: none measured; {exc}")
        return None
    return output


def _print_cold(summaries: list[cold.Summary], runs: int) -> None:
    floor = summaries[0].ms("init")
    plain = summaries[1].ms("first")
    print(f"\nCold start: ms from spawn, median of {runs} interleaved runs; peak RSS in MB")
    print(
        f"{'':20} {'import':>7} {'/floor':>7} {'+1st req':>9} {'/floor':>7} {'/plain':>7}"
        f" {'RSS init':>9} {'RSS 2 req':>10}"
    )
    for summary in summaries:
        init = summary.ms("init")
        line = f"{summary.variant.name:20} {init:7.0f} {init / floor:6.2f}x"
        if not summary.variant.serves:
            line += " " * 27
        else:
            first = summary.ms("first")
            line += f" {first:9.0f} {first / floor:6.2f}x {first / plain:6.2f}x"
        line += f" {summary.rss_mb('init'):9.1f}"
        if summary.variant.serves:
            line += f" {summary.rss_mb('second'):10.1f}"
        print(line)


def _print_warm(figures: dict[str, warm.Figure], rounds: int) -> None:
    plain = figures["plain GET /todo/{id}"].median_us
    print(f"\nWarm: µs per request through the Lambda handler, median of {rounds} rounds")
    print(f"{'':34} {'µs':>7} {'/plain':>7}  DynamoDB calls")
    for name, figure in figures.items():
        print(f"{name:34} {figure.median_us:7.0f} {figure.median_us / plain:6.2f}x  {figure.calls}")


def _print_inventory(
    inventory: artifact.Inventory, interpreter: artifact.Interpreter, whose: str = "Our"
) -> None:
    print(
        f"\n{whose} artifact: {inventory.files:,} files, {inventory.unpacked_bytes / 1e6:.1f} MB "
        f"unpacked, {inventory.zipped_bytes / 1e6:.1f} MB zipped; {inventory.without_bytecode:,}"
        f" of {inventory.modules:,} modules without a valid {interpreter.cache_tag} .pyc"
    )


def _print_baseline_warm(baseline: Path, rounds: int, *, quick: bool) -> None:
    """The baseline's warm requests, measured by this suite in a child process that finds the
    baseline's `graphql_api` first (and this suite's `bench`)."""
    command = [sys.executable, "-m", "bench", "--warm-only", "--rounds", str(rounds)]
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as first:
        (Path(first) / "graphql_api").symlink_to(baseline.resolve() / "graphql_api")
        result = subprocess.run(
            [*command, *(["--quick"] if quick else [])],
            capture_output=True,
            text=True,
            check=True,
            cwd=first,  # `-m` puts the working directory first on the path
            env={**os.environ, "PYTHONPATH": os.pathsep.join((first, str(cold.REPO)))},
        )
    warm_part = result.stdout.split("\n\n", 1)[1].split("\nload at the end")[0]
    print(f"\nBaseline {baseline}, just after:\n{warm_part}")


def _print_goals(
    summaries: list[cold.Summary],
    figures: dict[str, warm.Figure],
    inventory: artifact.Inventory | None,
) -> None:
    by_name = {summary.variant.name: summary for summary in summaries}
    plain = figures["plain GET /todo/{id}"].median_us
    graphql = figures["GraphQL todo(id:)"].median_us
    rest = figures["REST GET /todo/{id}"].median_us
    print("\nIssue 9's table (goal in brackets)")
    for name, label, goal in (
        ("stack, artifact", "stack   ", "(no app on the stack is faster)"),
        ("ours, artifact", "ours    ", "(<= 1.5)"),
        ("baseline, artifact", "baseline", "(<= 1.5)"),
    ):
        if name in by_name:
            built = by_name[name].ms("init") / by_name["floor"].ms("init")
            print(f"  cold, import from the artifact, {label} / floor {built:5.2f}x  {goal}")
    for name, label in (("ours, source tree", "source  "), ("baseline, source", "baseline")):
        if name in by_name:
            source = by_name[name].ms("first") / by_name["floor"].ms("init")
            print(f"  cold, import + 1st request, {label} / floor {source:5.2f}x  (<= 1.5)")
    if inventory is not None:
        print(
            f"  artifact zipped                      {inventory.zipped_bytes / 1e6:8.1f} MB (<= 6)"
        )
    print(f"  warm GraphQL todo(id:) / plain            {graphql / plain:5.2f}x  (<= 2.0)")
    print(f"  warm REST GET /todo/{{id}} / plain          {rest / plain:5.2f}x  (<= 1.5)")
    print(f"  warm GraphQL / REST, same read            {graphql / rest:5.2f}   (<= 1.3)")


if __name__ == "__main__":
    raise SystemExit(main())
