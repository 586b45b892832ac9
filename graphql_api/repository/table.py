"""The names the repository reads the tables by: their index and the records' key and TTL.

`todo_tools.tables` creates tables with them; `template.yaml` declares the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

USER_INDEX = "byUser"
"""Global secondary index: one user's todos in creation order."""

RECORD_KEY = "pk"
"""The records table's partition key (a string such as `apq#<sha256>`); it has no sort key."""

EXPIRES_AT = "expiresAt"
"""The records table's TTL attribute: epoch seconds (N). An item without it never expires."""


def is_live(item: Mapping[str, Any], now_s: float) -> bool:
    """Whether a stored record still counts. DynamoDB deletes expired items lazily, up to days
    after `expiresAt`, and reads return them until then: every reader must ask this."""
    expires = item.get(EXPIRES_AT)
    return expires is None or float(expires["N"]) >= now_s
