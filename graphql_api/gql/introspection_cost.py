"""The exact cost of an introspection selection: the fields its answer holds in this schema.

The schema is static and small, so instead of multiplying each introspection list by its
longest length (which prices GraphiQL's introspection query at ~80,000 where its answer holds
~1,600 fields) we walk the selection over the schema's own elements: types, fields,
arguments, enum values, directives. Each (selection set, element) pair is priced once and
remembered, so the walk is linear in the document times the schema, however the selection
nests; totals saturate at the caller's cap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_wrapping_type,
)

_Children = Callable[[GraphQLSchema, Any], Sequence[Any]]


def _fields(_: GraphQLSchema, type_: Any) -> Sequence[Any]:
    return list(type_.fields.values()) if is_object_type(type_) or is_interface_type(type_) else []


def _interfaces(_: GraphQLSchema, type_: Any) -> Sequence[Any]:
    return list(type_.interfaces) if is_object_type(type_) or is_interface_type(type_) else []


def _possible_types(schema: GraphQLSchema, type_: Any) -> Sequence[Any]:
    return list(schema.get_possible_types(type_)) if is_abstract_type(type_) else []


# What each introspection field with a sub-selection resolves to, for one element; the
# other introspection fields are leaves, 1 each.
_CHILDREN: dict[tuple[str, str], _Children] = {
    ("__Schema", "types"): lambda schema, _: list(schema.type_map.values()),
    ("__Schema", "queryType"): lambda schema, _: [schema.query_type],
    ("__Schema", "mutationType"): lambda schema, _: [t for t in [schema.mutation_type] if t],
    ("__Schema", "subscriptionType"): lambda s, _: [t for t in [s.subscription_type] if t],
    ("__Schema", "directives"): lambda schema, _: list(schema.directives),
    ("__Type", "fields"): _fields,
    ("__Type", "interfaces"): _interfaces,
    ("__Type", "possibleTypes"): _possible_types,
    ("__Type", "enumValues"): lambda _, t: list(t.values.values()) if is_enum_type(t) else [],
    ("__Type", "inputFields"): lambda _, t: (
        list(t.fields.values()) if is_input_object_type(t) else []
    ),
    ("__Type", "ofType"): lambda _, t: [t.of_type] if is_wrapping_type(t) else [],
    ("__Field", "args"): lambda _, field: list(field.args.values()),
    ("__Field", "type"): lambda _, field: [field.type],
    ("__InputValue", "type"): lambda _, value: [value.type],
    ("__Directive", "args"): lambda _, directive: list(directive.args.values()),
}
# The introspection type each of those fields returns.
_RETURNS = {
    "types": "__Type", "queryType": "__Type", "mutationType": "__Type",
    "subscriptionType": "__Type", "directives": "__Directive", "fields": "__Field",
    "interfaces": "__Type", "possibleTypes": "__Type", "enumValues": "__EnumValue",
    "inputFields": "__InputValue", "ofType": "__Type", "args": "__InputValue", "type": "__Type",
}  # fmt: skip


class IntrospectionPricer:
    """Prices introspection selections of one document; `cap` bounds every total."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        cap: int,
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._cap = cap
        self._memo: dict[tuple[int, int], int] = {}

    def schema_field(self, selection_set: SelectionSetNode) -> int:
        """`__schema { … }`."""
        return self.selection_set(selection_set, "__Schema", self._schema)

    def type_field(self, selection_set: SelectionSetNode, name: str | None) -> int:
        """`__type(name: …) { … }`: that type, or the dearest type when the name is unknown."""
        named = self._schema.get_type(name) if name is not None else None
        candidates = [named] if named is not None else list(self._schema.type_map.values())
        return max(self.selection_set(selection_set, "__Type", t) for t in candidates)

    def selection_set(self, selection_set: SelectionSetNode, on: str, element: Any) -> int:
        key = (id(selection_set), id(element))
        if key not in self._memo:
            self._memo[key] = self._price(selection_set, on, element)
        return self._memo[key]

    def _price(self, selection_set: SelectionSetNode, on: str, element: Any) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, on, element)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None:  # an unknown one is refused by validation
                    total += self.selection_set(fragment.selection_set, on, element)
            elif isinstance(selection, InlineFragmentNode):  # nothing to narrow here
                total += self.selection_set(selection.selection_set, on, element)
            total = min(total, self._cap)
        return total

    def _field(self, node: FieldNode, on: str, element: Any) -> int:
        children = _CHILDREN.get((on, node.name.value))
        if children is None or node.selection_set is None:
            return 1
        returns = _RETURNS[node.name.value]
        total = 1
        for child in children(self._schema, element):
            total = min(total + self.selection_set(node.selection_set, returns, child), self._cap)
        return total
