"""A batch's shape and its size bound (its execution: tests/e2e/test_batch.py)."""

from __future__ import annotations

import json

import pytest

from graphql_api.bodies import payload_size
from graphql_api.gql.batch import bounded_batch, checked_batch
from graphql_api.refusal import Refusal


def too_large(size: int) -> bytes:
    return json.dumps({"errors": [{"size": size}]}).encode()


def test_batch_within_its_limit_is_returned_as_is() -> None:
    assert checked_batch([{"query": "{ a }"}, {}], 2) == [{"query": "{ a }"}, {}]


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        ([], "BAD_REQUEST", "The batch is empty: send at least one operation."),
        ([{}, {}, {}], "BATCH_TOO_LARGE", "The batch holds 3 operations; one request may hold 2."),
        ([{}, "{ a }"], "BAD_REQUEST", "Operation 1 of the batch is not a JSON object."),
        ([None], "BAD_REQUEST", "Operation 0 of the batch is not a JSON object."),
    ],
)
def test_unusable_batch_is_refused_whole(payload: list[object], code: str, message: str) -> None:
    with pytest.raises(Refusal) as caught:
        checked_batch(payload, 2)
    assert (caught.value.status, caught.value.code, str(caught.value)) == (400, code, message)


def test_answers_that_fit_make_a_json_array() -> None:
    answers = [b'{"data":1}', b'{"data":2}']
    body = bounded_batch(answers, 27, too_large)
    assert body == b'[{"data":1},{"data":2}]'
    assert (len(body), payload_size(body)) == (23, 27)  # each `"` escaped in Lambda's payload


def test_the_limit_counts_the_escaped_bytes() -> None:
    body = bounded_batch([b'{"data":1}', b'{"data":2}'], 26, too_large)  # 23 raw, 27 escaped
    assert json.loads(body) == [{"errors": [{"size": 27}]}] * 2


def test_answers_past_the_limit_are_replaced_keeping_one_per_operation() -> None:
    answers = [b'{"data":"' + b"x" * 50 + b'"}' for _ in range(4)]  # 61 bytes, 65 escaped
    # Escaped, the whole array would be 265 bytes; a placeholder takes 31. Two answers and two
    # placeholders take 197, a third answer would make 231.
    body = bounded_batch(answers, 200, too_large)
    assert (len(body), payload_size(body)) == (181, 197)
    assert json.loads(body) == [{"data": "x" * 50}] * 2 + [{"errors": [{"size": 265}]}] * 2


def test_every_answer_is_replaced_when_none_fits() -> None:
    body = bounded_batch([b'{"data":"' + b"x" * 100 + b'"}'] * 2, 100, too_large)
    assert json.loads(body) == [{"errors": [{"size": 233}]}] * 2
