"""Storage faults, named: what botocore could not get through after its retries (throttling,
DynamoDB's 5xx, timeouts, failed connections) becomes `ServiceUnavailable`, for every
repository that talks to DynamoDB."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from graphql_api.errors import ServiceUnavailable

# Error codes DynamoDB answers when a table, a partition or the account is over its capacity.
_THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
    }
)
# Seconds a client is asked to wait: throttling is per second of capacity; an outage or a
# network fault usually takes longer to clear.
RETRY_AFTER_THROTTLED_S = 1
RETRY_AFTER_FAULT_S = 2
# The transport's failures, by what a client or an operator is told.
_TRANSPORT = {
    EndpointConnectionError: "ConnectionFailed",  # refused, unreachable, or no such host
    ConnectTimeoutError: "ConnectTimeout",
    ReadTimeoutError: "ReadTimeout",
    ConnectionClosedError: "ConnectionClosed",
}

_P = ParamSpec("_P")
_R = TypeVar("_R")


def faults(operation: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Name the storage faults a method's DynamoDB calls meet once botocore has retried them;
    any other error passes through unchanged (a bug of ours or a refusal the method maps)."""

    def decorate(method: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(method)
        def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return method(*args, **kwargs)
            except ClientError as exc:
                unavailable = _unavailable(exc)
                if unavailable is None:
                    raise
                raise unavailable from exc
            except (BotocoreConnectionError, HTTPClientError) as exc:
                reason = _TRANSPORT.get(type(exc), "ConnectionFailed")
                raise ServiceUnavailable(
                    reason, operation, retry_after=RETRY_AFTER_FAULT_S
                ) from exc

        return run

    return decorate


def _unavailable(exc: ClientError) -> ServiceUnavailable | None:
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _THROTTLED:
        return ServiceUnavailable(code, exc.operation_name, retry_after=RETRY_AFTER_THROTTLED_S)
    if status >= 500:
        reason = code or f"HTTP{status}"
        return ServiceUnavailable(reason, exc.operation_name, retry_after=RETRY_AFTER_FAULT_S)
    return None
