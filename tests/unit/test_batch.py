"""A batch's shape and its size bound (its execution: tests/e2e/test_batch.py)."""

from __future__ import annotations

import json

import pytest

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
    body = bounded_batch(answers, 23, too_large)
    assert body == b'[{"data":1},{"data":2}]'
    assert len(body) == 23


def test_answers_past_the_limit_are_replaced_keeping_one_per_operation() -> None:
    answers = [b'{"data":"' + b"x" * 50 + b'"}' for _ in range(4)]  # 61 bytes each
    # The whole array would be 249 bytes; a placeholder takes 27. Two answers and two
    # placeholders take 181, a third answer would make 215.
    body = bounded_batch(answers, 200, too_large)
    assert len(body) == 181
    assert json.loads(body) == [{"data": "x" * 50}] * 2 + [{"errors": [{"size": 249}]}] * 2


def test_every_answer_is_replaced_when_none_fits() -> None:
    body = bounded_batch([b'{"data":"' + b"x" * 100 + b'"}'] * 2, 100, too_large)
    assert json.loads(body) == [{"errors": [{"size": 225}]}] * 2
