"""What one operation may cost, priced from its document before anything runs.

The limits on a document (tokens, depth, aliases) bound the work of reading it; this bounds
the work of answering it, per request rather than per field. The model, in units of roughly
"one value resolved or one item read":

- every field selected costs 1 each time it can resolve;
- `todos` costs what it reads: `first` items (the default page size when absent), or, with a
  `status` filter, the items one page may examine (`max_examined`); under it, `edges` and
  `nodes` multiply their sub-selection by `first`;
- `todo(id:)` costs one read; each mutation field one write (`write`), and counts against the
  request's writes (`max_writes`) and the bytes its input's text carries (`max_write_bytes`),
  so a request's writes are bounded before any is made;
- introspection (`__schema`, `__type`) costs exactly the fields its answer holds in this
  schema (see `introspection_cost`), so nested introspection is priced as it will answer;
- `first` from a variable is priced at the request's value (or the variable's default); a
  value that is not an int in range is priced at the page maximum;
- fragments on unions and interfaces are summed, and `@skip`/`@include` ignored: both can only
  overprice.

The walk is linear in the document: each fragment is priced once, in dependency order, and
reused at every spread; fragments in a cycle (refused by validation anyway) price as nothing.
Sums and products saturate at `CAP`, so a fan-out of fragments cannot build giant integers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)

from graphql_api import codes
from graphql_api.gql.context import CostAccount
from graphql_api.gql.introspection_cost import IntrospectionPricer

CAP = 1_000_000_000
"""Costs saturate here: far above any limit, far below what would slow arithmetic down."""

_META_FIELDS = {"__schema": "__Schema", "__type": "__Type"}
_CONNECTION = "TodoConnection"
_PAGE_LISTS = frozenset({"edges", "nodes"})
# An int literal longer than this is out of any page range: priced without int() ever
# reading it (Python refuses to convert over 4,300 digits, and should not try).
_MAX_INT_DIGITS = 9


@dataclass(frozen=True, slots=True)
class CostModel:
    """The prices, and the most one request may spend (see docs/limits.md)."""

    page_size_default: int = 20
    page_size_max: int = 100
    max_examined: int = 1_000
    write: int = 10
    limit: int = 5_000
    max_writes: int = 25
    max_write_bytes: int = 256 * 1024


class _Cost(NamedTuple):
    """A selection's cost: `fixed` once, plus `per_item` for each item of the page around it
    (only selections on a connection have items; elsewhere `per_item` stays 0); and the
    writes in it, with the bytes of text their inputs carry (only on the mutation root)."""

    fixed: int
    per_item: int
    writes: int = 0
    write_bytes: int = 0


_NOTHING = _Cost(0, 0)


class Price(NamedTuple):
    """What an operation costs, and the writes it makes with the bytes of text they carry."""

    cost: int
    writes: int = 0
    write_bytes: int = 0


def operation_price(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    model: CostModel,
    schema: GraphQLSchema,
) -> Price:
    """The price of the operation a request runs; nothing when there is no such operation."""
    return _priced(document, operation_name, variables, model, schema).price


class _Priced(NamedTuple):
    price: Price
    static: bool
    """No variable's value went into the price: every request of the document costs the same."""


def _priced(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    model: CostModel,
    schema: GraphQLSchema,
) -> _Priced:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return _Priced(Price(0), static=True)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    pricer = _Pricer(model, schema, operation, fragments, variables or {})
    try:
        pricer.price_fragments(fragments.values())
        root = schema.get_root_type(operation.operation)
        cost = pricer.selection_set(operation.selection_set, root)
    except RecursionError:
        # Deeper than the interpreter's stack: validation bounds depth well below this, so
        # only a document that skipped it gets here, and it is priced as the most there is.
        return _Priced(Price(CAP, CAP, CAP), static=True)
    price = Price(cost.fixed, cost.writes, cost.write_bytes)
    return _Priced(price, static=not pricer.read_variables)


class CostCache:
    """The prices of the documents no variable's value prices, by text and operation name.

    Clients send the same few documents over and over, and pricing one walks it whole; a
    document whose `first` (or `status`, or `__type` name) comes from a variable is priced
    anew each time. Bounded in count; the oldest entry makes room.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._prices: dict[tuple[str, str | None], Price] = {}

    def price(
        self,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        model: CostModel,
        schema: GraphQLSchema,
    ) -> Price:
        key = (query, operation_name)
        price = self._prices.get(key)
        if price is not None:
            return price
        priced = _priced(document, operation_name, variables, model, schema)
        if priced.static:
            if len(self._prices) >= self._size:
                del self._prices[next(iter(self._prices))]
            self._prices[key] = priced.price
        return priced.price


def _add(a: int, b: int) -> int:
    return min(a + b, CAP)


def _mul(a: int, b: int) -> int:
    return min(a * b, CAP)


class _Pricer:
    def __init__(
        self,
        model: CostModel,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self._model = model
        self._schema = schema
        self._is_mutation = operation.operation is OperationType.MUTATION
        self._variables = variables
        self.read_variables = False
        self._defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        self._fragments: dict[str, _Cost] = {}
        self._variable_bytes: dict[str, int] = {}
        self._introspector = IntrospectionPricer(schema, fragments, CAP)

    def price_fragments(self, definitions: Iterable[FragmentDefinitionNode]) -> None:
        """Price each fragment once, every fragment after those it spreads (Kahn's order).

        Iterative, so a long chain of fragments cannot exhaust the interpreter's stack;
        fragments left unpriced are in or behind a cycle, and stay unknown (priced as 0).
        """
        by_name = {d.name.value: d for d in definitions}
        needs = {name: _spreads(d.selection_set) & by_name.keys() for name, d in by_name.items()}
        needed_by: dict[str, list[str]] = {name: [] for name in by_name}
        for name, spreads in needs.items():
            for spread in spreads:
                needed_by[spread].append(name)
        ready = deque(name for name, spreads in needs.items() if not spreads)
        while ready:
            name = ready.popleft()
            definition = by_name[name]
            on = self._schema.get_type(definition.type_condition.name.value)
            self._fragments[name] = self.selection_set(definition.selection_set, on)
            for dependant in needed_by[name]:
                needs[dependant].discard(name)
                if not needs[dependant]:
                    ready.append(dependant)

    def selection_set(self, selection_set: SelectionSetNode, on: GraphQLNamedType | None) -> _Cost:
        fixed = per_item = writes = write_bytes = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost = self._field(selection, on)
            elif isinstance(selection, FragmentSpreadNode):
                cost = self._fragments.get(selection.name.value, _NOTHING)
            elif isinstance(selection, InlineFragmentNode):
                cost = self._inline_fragment(selection, on)
            else:
                continue
            fixed, per_item = _add(fixed, cost.fixed), _add(per_item, cost.per_item)
            writes, write_bytes = _add(writes, cost.writes), _add(write_bytes, cost.write_bytes)
        return _Cost(fixed, per_item, writes, write_bytes)

    def _inline_fragment(self, fragment: InlineFragmentNode, on: GraphQLNamedType | None) -> _Cost:
        if fragment.type_condition is not None:
            on = self._schema.get_type(fragment.type_condition.name.value)
        return self.selection_set(fragment.selection_set, on)

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> _Cost:
        name = node.name.value
        if name in _META_FIELDS and node.selection_set is not None:
            return _Cost(_add(1, self._introspection(node, node.selection_set)), 0)
        returns = self._returns(parent, name)
        inner = self.selection_set(node.selection_set, returns) if node.selection_set else _NOTHING
        parent_name = getattr(parent, "name", None)
        if parent_name == "Query" and name == "todos":
            page, reads = self._page(node)
            return _Cost(_add(_add(reads, inner.fixed), _mul(page, inner.per_item)), 0)
        if parent_name == "Query" and name == "todo":
            return _Cost(_add(1, inner.fixed), 0)  # one read, batched with the others
        if self._is_mutation and parent_name == self._schema.mutation_type.name:  # type: ignore[union-attr]
            return _Cost(_add(self._model.write, inner.fixed), 0, 1, self._input_bytes(node))
        if parent_name == _CONNECTION and name in _PAGE_LISTS:
            return _Cost(1, _add(inner.fixed, 0))
        return _Cost(_add(1, inner.fixed), inner.per_item)

    def _input_bytes(self, node: FieldNode) -> int:
        """The UTF-8 bytes of the text a mutation's input carries, literal or from variables
        (each variable measured once, however many fields share it)."""
        total = 0
        for argument in node.arguments or ():
            total = _add(total, self._literal_bytes(argument.value))
        return total

    def _literal_bytes(self, node: ValueNode | None) -> int:
        if isinstance(node, StringValueNode):
            return len(node.value.encode(errors="replace"))
        if isinstance(node, ObjectValueNode):
            return sum(self._literal_bytes(field.value) for field in node.fields)
        if not isinstance(node, VariableNode):
            return 0
        name = node.name.value
        if name not in self._variable_bytes:
            self.read_variables = True
            self._variable_bytes[name] = (
                _text_bytes(self._variables[name])
                if name in self._variables
                else self._literal_bytes(self._defaults.get(name))
            )
        return self._variable_bytes[name]

    def _introspection(self, node: FieldNode, selection_set: SelectionSetNode) -> int:
        if node.name.value == "__schema":
            return self._introspector.schema_field(selection_set)
        name = self._value(next((a.value for a in node.arguments or ()), None))
        if isinstance(name, StringValueNode):
            name = name.value
        return self._introspector.type_field(selection_set, name if isinstance(name, str) else None)

    def _returns(self, parent: GraphQLNamedType | None, name: str) -> GraphQLNamedType | None:
        """The named type a field returns; None for a field the schema does not know."""
        if name in _META_FIELDS:  # on every root type, though in none's `fields`
            return self._schema.get_type(_META_FIELDS[name])
        definition = getattr(parent, "fields", {}).get(name)
        return get_named_type(definition.type) if definition is not None else None

    def _page(self, node: FieldNode) -> tuple[int, int]:
        """The page size a `todos` field asks for, and the items it may read to fill it."""
        arguments = {a.name.value: a.value for a in node.arguments or ()}
        model = self._model
        first = self._value(arguments.get("first"))
        if first is None:
            page = model.page_size_default
        elif (
            isinstance(first, int)
            and not isinstance(first, bool)
            and 0 < first <= model.page_size_max
        ):
            page = first
        else:  # refused when it runs; priced as the most it could be
            page = model.page_size_max
        filtered = self._value(arguments.get("status")) is not None
        return page, model.max_examined if filtered else page

    def _value(self, node: ValueNode | None) -> object:
        """An argument's value as far as pricing needs it: None when absent or null."""
        if node is None or isinstance(node, NullValueNode):
            return None
        if isinstance(node, VariableNode):
            self.read_variables = True
            name = node.name.value
            if name in self._variables:
                return self._variables[name]
            return self._value(self._defaults.get(name))
        if isinstance(node, IntValueNode):
            digits = node.value.lstrip("-")
            return int(node.value) if len(digits) <= _MAX_INT_DIGITS else CAP
        return node  # some other literal: present, and not an int


def _text_bytes(value: object) -> int:
    """The UTF-8 bytes of the strings in a variable's value: a string, or an input object's
    string fields (inputs here are flat)."""
    if isinstance(value, str):
        return len(value.encode(errors="replace"))
    if isinstance(value, Mapping):
        return sum(len(v.encode(errors="replace")) for v in value.values() if isinstance(v, str))
    return 0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _spreads(selection_set: SelectionSetNode) -> set[str]:
    """The fragment names spread anywhere in a selection set (iteratively: no recursion)."""
    names: set[str] = set()
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)
    return names


class CostLimitExceeded(GraphQLError):
    """The operation costs more than what its request has left to spend."""


class WriteLimitExceeded(GraphQLError):
    """The operation's writes would take its request past the writes, or the bytes, one
    request may write."""


class CostLimit:
    """Refuse, before any resolver runs, an operation that costs more than the model's limit;
    tell every executed response what it cost (`extensions.cost`, as GitHub and Shopify do).

    One per engine: it caches the costs of documents that no variable prices.
    """

    def __init__(self, model: CostModel, schema: GraphQLSchema, cache_size: int) -> None:
        self.model = model
        self._schema = schema
        self._costs = CostCache(cache_size)

    def charge(
        self,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        account: CostAccount,
    ) -> Price:
        """The operation's price, drawn from `account` (which a batch's operations share);
        CostLimitExceeded where the account cannot pay it, WriteLimitExceeded where its
        writes would take the request past its writes or their bytes."""
        price = self._costs.price(
            query, document, operation_name, variables, self.model, self._schema
        )
        if account.spent + price.cost > self.model.limit:
            raise self._refusal(price.cost, account.spent)
        if price.writes and (
            account.writes + price.writes > self.model.max_writes
            or account.write_bytes + price.write_bytes > self.model.max_write_bytes
        ):
            raise self._write_refusal(price, account)
        account.spent += price.cost
        account.writes += price.writes
        account.write_bytes += price.write_bytes
        return price

    def extensions(self, price: Price) -> dict[str, Any]:
        cost: dict[str, Any] = {"requested": price.cost, "limit": self.model.limit}
        if price.writes:
            cost["writes"] = price.writes
            cost["writeBytes"] = price.write_bytes
        return {"cost": cost}

    def _write_refusal(self, price: Price, account: CostAccount) -> WriteLimitExceeded:
        model = self.model
        message = (
            f"This operation makes {price.writes:,} writes carrying {price.write_bytes:,} bytes; "
            f"one request may make {model.max_writes:,} carrying {model.max_write_bytes:,}. "
            "Nothing was written: send fewer writes in each request."
        )
        extensions: dict[str, Any] = {
            "code": codes.WRITE_LIMIT_EXCEEDED,
            "writes": price.writes,
            "writeBytes": price.write_bytes,
            "maxWrites": model.max_writes,
            "maxWriteBytes": model.max_write_bytes,
        }
        if account.writes:
            message = (
                f"This operation makes {price.writes:,} writes carrying {price.write_bytes:,} "
                f"bytes; the batch's earlier operations made {account.writes:,} carrying "
                f"{account.write_bytes:,} of the {model.max_writes:,} writes and "
                f"{model.max_write_bytes:,} bytes one request may. Nothing of this operation "
                "was written: send it in another request."
            )
            extensions["spentWrites"] = account.writes
            extensions["spentWriteBytes"] = account.write_bytes
        return WriteLimitExceeded(message, extensions=extensions)

    def _refusal(self, cost: int, spent: int) -> CostLimitExceeded:
        limit = self.model.limit
        message = (
            f"This operation costs {cost:,}; the limit is {limit:,} per request. "
            "Ask for fewer todos or fields."
        )
        extensions: dict[str, Any] = {
            "code": codes.COST_LIMIT_EXCEEDED,
            "cost": cost,
            "limit": limit,
        }
        if spent:
            message = (
                f"This operation costs {cost:,}; the batch's earlier operations spent {spent:,} "
                f"of the {limit:,} one request may. Send it in another request."
            )
            extensions["spent"] = spent
        return CostLimitExceeded(message, extensions=extensions)
