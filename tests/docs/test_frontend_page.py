"""docs/frontend.md: the `possibleTypes` it shows are what `schema.graphql` implies and what its
command prints, and Apollo Client's cache behaves as it warns."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from graphql import build_schema, is_abstract_type

from tests.e2e.test_clients import node_or_skip

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "frontend.md"


def _blocks(language: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def _the_command() -> str:
    (command,) = [block for block in _blocks("sh") if "is_abstract_type" in block]
    return command


def _possible_types_shown() -> dict[str, list[str]]:
    (shown,) = [block for block in _blocks("json") if "CreateTodoResult" in block]
    types: dict[str, list[str]] = json.loads(shown)
    return types


def _possible_types_of_the_schema() -> dict[str, list[str]]:
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    return {
        name: sorted(member.name for member in schema.get_possible_types(kind))
        for name, kind in schema.type_map.items()
        if is_abstract_type(kind)
    }


def test_the_possible_types_shown_are_what_the_schema_implies() -> None:
    assert _possible_types_shown() == _possible_types_of_the_schema()


def test_the_pages_command_prints_the_possible_types_shown() -> None:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("the command runs the clone's .venv, which this checkout has not made")
    done = subprocess.run(
        ["bash", "-c", _the_command()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == _possible_types_shown()


def test_apollo_keeps_an_error_members_code_and_message_only_with_possible_types(
    server: str,
) -> None:
    script = Path(__file__).parent / "apollo_cache.mjs"
    command = [
        node_or_skip(),
        str(script),
        f"{server}/graphql",
        json.dumps(_possible_types_shown()),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    assert read["without"] == {"__typename": "ValidationFailed", "field": "content"}
    assert read["with"] == {
        "__typename": "ValidationFailed",
        "code": "VALIDATION_FAILED",
        "message": "content must not be empty.",
        "field": "content",
    }
