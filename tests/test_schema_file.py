from __future__ import annotations

from pathlib import Path

from graphql_api.gql.schema import schema

SCHEMA_FILE = Path(__file__).parents[1] / "schema.graphql"


def test_committed_schema_equals_the_exported_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.as_str() + "\n", (
        "schema.graphql is stale: run `todo-api export-schema --output schema.graphql`"
    )
