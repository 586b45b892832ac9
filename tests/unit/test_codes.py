"""Every stable code is named once, in `graphql_api/codes.py`, and nowhere else spelled out."""

from __future__ import annotations

import ast
from pathlib import Path

from graphql_api import codes
from graphql_api.gql.types import ErrorCode

PACKAGE = Path(codes.__file__).parent
CODES = frozenset(value for name, value in vars(codes).items() if name.isupper())


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CODES
    ]


def test_no_module_but_codes_spells_out_a_code() -> None:
    modules = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "codes.py")

    assert [literal for module in modules for literal in _literals(module)] == []


def test_each_code_is_its_own_name() -> None:
    assert all(getattr(codes, code) == code for code in CODES)


def test_the_schemas_error_codes_are_codes() -> None:
    assert {member.value for member in ErrorCode} <= CODES
