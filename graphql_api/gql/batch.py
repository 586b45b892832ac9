"""Batches: a JSON array of operations in one POST (Apollo's BatchHttpLink, gql's batching).

Strawberry's own batching (`StrawberryConfig(batching_config=…)`) runs a batch's operations
concurrently, shares one context (and so one loader) between them, and refuses in plain
text; here the operations run one after another, in order, so a batch's mutations apply in
the order sent and each operation reads what the earlier ones wrote. They share the request's
budget and cost limit; each answer keeps its own errors; the answers come back in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql_api import codes
from graphql_api.bodies import payload_size
from graphql_api.refusal import Refusal


def checked_batch(payload: list[Any], max_batch: int) -> list[dict[str, Any]]:
    """The operations of a batch body; Refusal for an empty or oversized batch, or for an
    entry that is not an object (a client bug the whole request should show)."""
    if not payload:
        raise Refusal(400, codes.BAD_REQUEST, "The batch is empty: send at least one operation.")
    if len(payload) > max_batch:
        raise Refusal(
            400,
            codes.BATCH_TOO_LARGE,
            f"The batch holds {len(payload)} operations; one request may hold {max_batch}.",
        )
    for index, entry in enumerate(payload):
        if not isinstance(entry, dict):
            raise Refusal(
                400, codes.BAD_REQUEST, f"Operation {index} of the batch is not a JSON object."
            )
    return payload


def bounded_batch(answers: Sequence[bytes], limit: int, too_large: Callable[[int], bytes]) -> bytes:
    """The batch's answers as one JSON array taking at most `limit` bytes of Lambda's payload
    (`payload_size`): the first answers that fit with the rest each replaced by
    `too_large(total size)`, so the array keeps one answer per operation, in order (the
    replaced ones' mutations did run)."""
    sizes = [payload_size(answer) for answer in answers]
    total = 2 + sum(sizes) + len(answers) - 1
    if total <= limit:
        return b"[" + b",".join(answers) + b"]"
    placeholder = too_large(total)
    placeholder_size = payload_size(placeholder)
    kept: list[bytes] = []
    used = 2 + len(answers) - 1
    for index, (answer, size) in enumerate(zip(answers, sizes, strict=True)):
        later = len(answers) - index - 1
        if used + size + later * placeholder_size > limit:
            break
        kept.append(answer)
        used += size
    kept.extend([placeholder] * (len(answers) - len(kept)))
    return b"[" + b",".join(kept) + b"]"
