"""Settings that cannot work together stop start-up in one line, with no traceback: under
`todo-api serve` (exit status 2, before anything is announced) and on a Lambda cold start
(`ConfigError`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphql_api.config import ConfigError
from tests.e2e.conftest import free_port, fresh_handler

TODO_API = str(Path(sys.executable).parent / "todo-api")
SECRET = "startup-refusal-tests-secret-of-32-bytes"
ISSUER = {"TODO_JWT_ISSUER": "https://issuer.example", "TODO_JWT_AUDIENCE": "app"}
ONE_TABLE = {"TODO_TABLE_NAME": "todos", "TODO_RECORDS_TABLE": "todos"}
BOTH_WAYS = {"TODO_JWT_SECRET": SECRET, **ISSUER}

TABLES_MESSAGE = "TODO_RECORDS_TABLE must name another table than TODO_TABLE_NAME, not 'todos'"
BOTH_MESSAGE = (
    "TODO_JWT_SECRET (HS256 tokens) and TODO_JWT_ISSUER (an issuer's tokens) are two ways to "
    "verify tokens: set one"
)
ISSUER_MESSAGE = (
    "serve --auth verifies HS256 tokens (TODO_JWT_SECRET), and TODO_JWT_ISSUER is set: unset "
    "it, or serve without --auth, with TODO_AUTH=jwt, to verify the issuer's tokens"
)
REFUSALS = {
    "serve --auth, an issuer and no secret": (["--auth"], ISSUER, ISSUER_MESSAGE),
    "serve --auth, a secret and an issuer": (["--auth"], BOTH_WAYS, BOTH_MESSAGE),
    "serve, a secret and an issuer": ([], {"TODO_AUTH": "jwt", **BOTH_WAYS}, BOTH_MESSAGE),
    "serve, one table for both": ([], ONE_TABLE, TABLES_MESSAGE),
    "serve --auth, one table for both": (["--auth"], ONE_TABLE, TABLES_MESSAGE),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_serve_refuses_settings_that_cannot_work_in_one_line(case: str) -> None:
    flags, settings, message = REFUSALS[case]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_JWT_")}
    result = subprocess.run(
        [TODO_API, "serve", "--port", str(free_port()), *flags],
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"todo-api: {message}\n"


@pytest.mark.parametrize(
    ("settings", "message"),
    [(ONE_TABLE, TABLES_MESSAGE), ({"TODO_AUTH": "jwt", **BOTH_WAYS}, BOTH_MESSAGE)],
    ids=["one table for both", "a secret and an issuer"],
)
def test_a_lambda_cold_start_refuses_settings_that_cannot_work(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], message: str
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        fresh_handler()
    assert str(refused.value) == message
