"""The yardstick: `GET /todo/{id}` as a Lambda handler with no framework.

It parses the API Gateway event, reads the item with a botocore client configured as ours is
(timeouts, standard retries), and answers the legacy body. Nothing can serve the same read
with much less; the benchmark divides our handler's costs by this one's.
"""

from __future__ import annotations

import json
import os
from typing import Any

import botocore.session
from botocore.config import Config

_TABLE = os.environ.get("TODO_TABLE_NAME", "todos")
_client: Any = botocore.session.get_session().create_client(
    "dynamodb",
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
    config=Config(
        connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 3}
    ),
)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    todo_id = event["rawPath"].rsplit("/", 1)[-1]
    response = _client.get_item(TableName=_TABLE, Key={"id": {"S": todo_id}}, ConsistentRead=True)
    item = response.get("Item")
    body = [_legacy(item)] if item else []
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "*"},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _legacy(item: dict[str, Any]) -> dict[str, Any]:
    legacy = {
        "id": item["id"]["S"],
        "userId": item["userId"]["S"],
        "dateCreated": int(item["dateCreated"]["N"]),
        "dateUpdated": int(item["dateUpdated"]["N"]),
    }
    if "content" in item:
        legacy["content"] = item["content"]["S"]
    legacy["status"] = item["status"]["S"]
    return legacy
