"""docs/configuration.md names every environment variable the code reads.

The list comes from the code itself: every place in the runtime and the tools that looks a
name up in an environment mapping, found by reading their syntax trees, and held against
what `Settings.from_env` is seen to ask for, so the scan cannot miss how settings are read."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from graphql_api.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configuration.md"
PACKAGES = ("graphql_api", "todo_tools")
_ENV_NAMES = {"env", "environ", "environment"}
_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]{2,}")


class _Recording(Mapping[str, str]):
    """An empty environment that remembers every name it was asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        raise KeyError(key)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return default

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _is_environment(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _ENV_NAMES
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _names(nodes: list[ast.expr]) -> set[str]:
    return {
        node.value
        for node in nodes
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _VARIABLE.fullmatch(node.value)
    }


def _names_read(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environment(node.value):
            found |= _names([node.slice])
        elif isinstance(node, ast.Call):
            func = node.func
            lookup = isinstance(func, ast.Attribute) and _is_environment(func.value)
            getenv = isinstance(func, ast.Attribute | ast.Name) and (
                getattr(func, "attr", None) == "getenv" or getattr(func, "id", None) == "getenv"
            )
            if lookup or getenv or any(_is_environment(arg) for arg in node.args):
                found |= _names(node.args)
    return found


def variables_the_code_reads() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for module in sorted((ROOT / package).rglob("*.py")):
            found |= _names_read(ast.parse(module.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_every_variable_settings_ask_for() -> None:
    recording = _Recording()
    Settings.from_env(recording)
    assert recording.asked
    assert recording.asked <= variables_the_code_reads()


def test_the_configuration_page_names_every_variable_the_code_reads() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing = sorted(name for name in variables_the_code_reads() if f"`{name}`" not in page)
    assert not missing, f"docs/configuration.md does not name {missing}"
