"""The cost of operations: exact figures for representative queries (so a change to the model
shows), the refusal, and `extensions.cost` on what runs."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import get_introspection_query, parse

from graphql_api.budget import Budget
from graphql_api.config import Settings
from graphql_api.gql.context import Context
from graphql_api.gql.cost import CAP, CostModel, Price, operation_price
from graphql_api.gql.engine import cost_model, create_engine
from graphql_api.gql.schema import schema
from graphql_api.model import OPEN_ACCESS, Page, TodoQuery
from graphql_api.service import TodoService
from tests.adversarial import aliased_pages, fragment_fan_out_of_todos, introspection_nesting
from tests.fakes import InMemoryTodoRepository

engine = create_engine(Settings())

FIELDS = "id userId content status version dateCreated dateUpdated"
PAGE = f"""
query Page($first: Int, $status: String) {{
  todos(first: $first, status: $status) {{
    edges {{ cursor node {{ {FIELDS} }} }}
    nodes {{ {FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
LOOKUP = f"query Lookup($id: ID!) {{ todo(id: $id) {{ {FIELDS} }} }}"
CREATE = """
mutation Create($input: CreateTodoInput!) {
  createTodo(input: $input) { __typename ... on Todo { id version } ... on Error { code } }
}"""


class RecordingRepository(InMemoryTodoRepository):
    def __init__(self) -> None:
        super().__init__()
        self.listed: list[TodoQuery] = []

    def list_todos(self, query: TodoQuery) -> Page:
        self.listed.append(query)
        return super().list_todos(query)


COST_MODEL = cost_model(Settings())


def cost(query: str, **variables: Any) -> int:
    return operation_price(parse(query), None, variables, COST_MODEL, schema._schema).cost


def run(repository: InMemoryTodoRepository, query: str, **variables: Any) -> dict[str, Any]:
    context = Context(TodoService(repository), OPEN_ACCESS, Budget.unlimited())
    result = asyncio.run(engine.execute(query, variable_values=variables, context_value=context))
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        response["extensions"] = result.extensions
    return response


def test_a_full_page_of_100_costs_its_reads_and_every_field_of_every_item() -> None:
    # 100 reads + edges (1 + 100 x 9) + nodes (1 + 100 x 7) + pageInfo (1 + 2)
    assert cost(PAGE, first=100) == 1_705


def test_a_page_without_first_is_priced_at_the_default_page_size() -> None:
    assert cost(PAGE) == 20 + (1 + 20 * 9) + (1 + 20 * 7) + 3 == 345


def test_a_status_filter_is_priced_at_the_items_a_page_may_examine() -> None:
    assert cost(PAGE, first=100, status="done") == 1_000 + 1_705 - 100 == 2_605


def test_first_from_a_variable_falls_back_to_its_default() -> None:
    query = "query($first: Int = 7) { todos(first: $first) { nodes { id } } }"
    assert cost(query) == 7 + 1 + 7
    assert cost(query, first=3) == 3 + 1 + 3


def test_first_that_is_not_an_int_in_range_is_priced_at_the_page_maximum() -> None:
    for first in (0, 101, 10**30, "ten", 2.5, True):
        assert cost(PAGE, first=first) == 1_705
    assert cost("{ todos(first: " + "9" * 5_000 + ") { nodes { id } } }") == 100 + 1 + 100


def test_lookups_and_mutations() -> None:
    assert cost(LOOKUP, id="x") == 1 + 7
    assert cost(CREATE, input={}) == 10 + 1 + 2 + 1


def fields_answered(query: str) -> int:
    """How many fields the answer to an introspection query holds."""

    def count(value: object) -> int:
        if isinstance(value, dict):
            return sum(1 + count(v) for v in value.values())
        return sum(count(v) for v in value) if isinstance(value, list) else 0

    return count(schema.execute_sync(query).data)


def test_introspection_is_priced_as_the_fields_its_answer_holds() -> None:
    assert cost(get_introspection_query()) == fields_answered(get_introspection_query()) == 1_558


def test_graphiqls_fullest_introspection_query_is_well_under_the_limit() -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    assert cost(query) == 1_651 < COST_MODEL.limit / 2


def test_nested_introspection_is_priced_as_deep_as_it_answers() -> None:
    # Two levels pass validation (it refuses nesting past three): the answer holds the price.
    assert cost(introspection_nesting(2)) == fields_answered(introspection_nesting(2)) == 481
    assert cost(introspection_nesting(40)) == 5_507


def test_thirty_aliased_pages_cost_over_the_limit_with_or_without_a_filter() -> None:
    assert cost(aliased_pages(30)) == 30 * (100 + 1 + 100) == 6_030
    assert cost(aliased_pages(30, status=True)) == 30 * (1_000 + 1 + 100) == 33_030


def test_a_fan_out_of_fragments_saturates_instead_of_growing() -> None:
    assert cost(fragment_fan_out_of_todos(30)) == CAP
    assert cost(fragment_fan_out_of_todos(300)) == CAP


def test_a_fragment_cycle_is_priced_without_looping() -> None:
    query = (
        "{ todos { ...A } } fragment A on TodoConnection { nodes { id } ...B } "
        "fragment B on TodoConnection { ...A }"
    )
    assert cost(query) == 20 + 0


def test_fragments_priced_once_are_reused_under_each_page_size() -> None:
    query = (
        "{ a: todos(first: 2) { ...Ids } b: todos(first: 5) { ...Ids } } "
        "fragment Ids on TodoConnection { nodes { id } }"
    )
    assert cost(query) == (2 + 1 + 2) + (5 + 1 + 5)


def test_the_named_operation_is_the_one_priced() -> None:
    document = parse("query A { __typename } query B { todos { nodes { id } } }")
    assert operation_price(document, "A", {}, CostModel(), schema._schema).cost == 1
    assert operation_price(document, "B", {}, CostModel(), schema._schema).cost == 20 + 1 + 20
    assert operation_price(document, "C", {}, CostModel(), schema._schema).cost == 0


def test_an_operation_over_the_limit_is_refused_before_any_resolver_runs() -> None:
    repository = RecordingRepository()
    response = run(repository, aliased_pages(30, status=True))
    assert response == {
        "data": None,
        "errors": [
            {
                "message": "This operation costs 33,030; the limit is 5,000 per request. "
                "Ask for fewer todos or fields.",
                "extensions": {"code": "COST_LIMIT_EXCEEDED", "cost": 33_030, "limit": 5_000},
            }
        ],
    }
    assert repository.listed == []


def test_executed_responses_tell_what_they_cost() -> None:
    repository = RecordingRepository()
    response = run(repository, PAGE, first=100, status="done")
    assert response["extensions"] == {"cost": {"requested": 2_605, "limit": 5_000}}
    assert len(repository.listed) == 1


def test_the_price_follows_the_variables_the_request_sends() -> None:
    response = run(RecordingRepository(), PAGE, first=5)
    assert response["extensions"] == {"cost": {"requested": 5 + 46 + 36 + 3, "limit": 5_000}}


def test_documents_refused_before_execution_carry_no_cost() -> None:
    response = run(RecordingRepository(), "{ nope }")
    assert "extensions" not in response


def test_a_document_priced_by_its_variables_is_priced_anew_for_each_request() -> None:
    # The schema keeps the costs of documents that no variable prices: this one must not be.
    small = run(RecordingRepository(), PAGE, first=5)
    large = run(RecordingRepository(), PAGE, first=100, status="done")
    again = run(RecordingRepository(), PAGE, first=5)
    assert small["extensions"] == again["extensions"] == {"cost": {"requested": 90, "limit": 5_000}}
    assert large["extensions"] == {"cost": {"requested": 2_605, "limit": 5_000}}


def test_each_operation_of_a_document_keeps_its_own_price() -> None:
    query = "query A { __typename } query B { todos { nodes { id } } }"
    costs = []
    for name in ("A", "B", "A", "B"):
        context = Context(TodoService(RecordingRepository()), OPEN_ACCESS, Budget.unlimited())
        result = asyncio.run(engine.execute(query, context_value=context, operation_name=name))
        costs.append((result.extensions or {})["cost"]["requested"])
    assert costs == [1, 41, 1, 41]


def price(query: str, **variables: Any) -> Price:
    return operation_price(parse(query), None, variables, COST_MODEL, schema._schema)


def test_a_mutation_counts_its_writes_and_the_bytes_of_its_inputs_text() -> None:
    assert price(CREATE, input={"content": "milk", "userId": "ann"}) == Price(14, 1, 7)
    literal = 'mutation { createTodo(input: {content: "é", userId: "ann"}) { __typename } }'
    assert price(literal) == Price(11, 1, 5)
    assert price("{ todos { nodes { id } } }") == Price(41, 0, 0)


def test_fields_sharing_a_variable_each_write_its_bytes_and_it_is_measured_once() -> None:
    creates = " ".join(
        f"c{n}: createTodo(input: {{content: $c}}) {{ __typename }}" for n in range(30)
    )
    assert price(f"mutation($c: String!) {{ {creates} }}", c="x" * 10_000) == Price(
        330, 30, 300_000
    )


def test_writes_in_fragments_on_the_mutation_root_count() -> None:
    query = """
    mutation($c: String = "abc") { ...Twice }
    fragment Twice on Mutation {
      a: createTodo(input: {content: $c}) { __typename }
      b: deleteTodo(input: {id: "t-1"}) { __typename }
    }"""
    assert price(query) == Price(22, 2, 6)
