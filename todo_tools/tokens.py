"""Bearer tokens for a local server under `todo-api serve --auth` (`todo-api token`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt

from graphql_api.tokens import HS256


def issue(
    secret: str, subject: str, *, expires_s: int, extra: Mapping[str, Any] | None = None
) -> str:
    """An HS256 token for `subject`, valid for `expires_s` seconds."""
    now = int(time.time())
    claims = {**(extra or {}), "sub": subject, "iat": now, "exp": now + expires_s}
    return jwt.encode(claims, secret, algorithm=HS256)
