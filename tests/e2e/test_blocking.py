"""Who waits on DynamoDB: the local server hands each call to a worker thread, so requests
overlap; the Lambda handler, one request per instance, calls inline on the event loop's
thread (see graphql_api/blocking.py)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws

from graphql_api.gql.persisted import sha256_of
from tests.conftest import RECORDS, REGION, TABLE, every_new_client
from tests.e2e.conftest import StartServer, fresh_handler
from tests.e2e.lambda_events import LambdaContext, event, graphql_post
from todo_tools.tables import create_records_table, create_table

LOOKUP = "query($id: ID!) { todo(id: $id) { id } }"


def test_the_local_server_answers_requests_whose_dynamodb_calls_overlap(
    start_server: StartServer,
) -> None:
    # Each GetItem waits until the other has started: only two calls in flight at once pass.
    both_in_flight = threading.Barrier(2, timeout=5)

    def meet(**_: Any) -> None:
        both_in_flight.wait()

    with (
        every_new_client("before-call.dynamodb.GetItem", meet),
        start_server() as url,
        ThreadPoolExecutor(2) as pool,
    ):
        responses = list(
            pool.map(lambda todo_id: httpx.get(f"{url}/todo/{todo_id}", timeout=10), "ab")
        )
    assert [(r.status_code, r.text) for r in responses] == [(200, "[]"), (200, "[]")]


@pytest.mark.usefixtures("close_mangums_loop")
def test_the_lambda_handler_calls_dynamodb_on_the_invoking_thread() -> None:
    threads: list[int] = []

    def note_thread(**_: Any) -> None:
        threads.append(threading.get_ident())

    with mock_aws(), every_new_client("before-call.dynamodb", note_thread):
        create_table(boto3.client("dynamodb", region_name=REGION), TABLE)
        threads.clear()
        handler = fresh_handler()
        graphql = handler(graphql_post("http_api_v2", LOOKUP, id="a"), LambdaContext())
        rest = handler(event("http_api_v2", "GET", "/todo/a"), LambdaContext())
    assert (graphql["statusCode"], rest["statusCode"]) == (200, 200)
    assert threads == [threading.get_ident()] * 2


@pytest.mark.usefixtures("close_mangums_loop")
def test_the_lambda_handler_looks_up_and_stores_persisted_queries_on_the_invoking_thread() -> None:
    calls: list[tuple[str, int]] = []

    def note_thread(model: Any, **_: Any) -> None:
        calls.append((model.name, threading.get_ident()))

    hashed = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(LOOKUP)}}
    by_hash = json.dumps({"extensions": hashed, "variables": {"id": "a"}})
    with_query = json.dumps({"query": LOOKUP, "extensions": hashed, "variables": {"id": "a"}})
    with mock_aws(), every_new_client("before-call.dynamodb", note_thread):
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        create_records_table(client, RECORDS)
        calls.clear()
        handler = fresh_handler()
        unknown = handler(event("http_api_v2", "POST", "/graphql", body=by_hash), LambdaContext())
        sent = handler(event("http_api_v2", "POST", "/graphql", body=with_query), LambdaContext())
    assert "PERSISTED_QUERY_NOT_FOUND" in unknown["body"]
    assert json.loads(sent["body"])["data"] == {"todo": None}
    me = threading.get_ident()
    assert calls == [("GetItem", me), ("GetItem", me), ("PutItem", me)]
