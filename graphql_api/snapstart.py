"""Lambda SnapStart's runtime hooks: what one snapshot must not hand to every environment that
Lambda restores from it.

With SnapStart on, the cold start runs once, when a version is published; the environments
that serve requests resume copies of its memory, minutes or weeks later. What is refreshed:

- `random`'s state, seeded once at import: every copy would draw the same numbers (botocore's
  retry back-off jitter draws from it, so throttled copies would retry in lockstep). Ids and
  secrets come from `uuid4`/`secrets`, which ask the kernel each time and need nothing.
- The DynamoDB client's pooled connections: sockets opened before the snapshot do not survive
  it. None is opened while the handler loads today; closing costs nothing when the pool is
  empty and keeps a future warm-up call during init from handing dead sockets to requests.

What needs nothing: credentials (with SnapStart, Lambda hands them to botocore through its
container credentials endpoint, and botocore refreshes them before they expire), the JWKS cache
(empty until the first token arrives, after the restore), and the request deadlines (read from
each invocation's context).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def register_hooks(client: DynamoDBClient) -> bool:
    """Register `after_restore` where Lambda's managed Python runtime provides the hooks'
    library (it ships with the runtime, never in the artifact); whether it did."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:  # not on Lambda: nothing is ever restored
        return False
    register_after_restore(after_restore, client)
    return True


def after_restore(client: DynamoDBClient) -> None:
    random.seed()
    client.close()
