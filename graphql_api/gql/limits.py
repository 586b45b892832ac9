"""Validation rules that bound the work of checking one document, each linear in its size.

graphql-core 3.3 already bounds the parser (tokens, and nesting at 200 levels, reported as a
syntax error rather than a RecursionError) and meters the one super-linear standard rule,
OverlappingFieldsCanBeMerged, with a complexity budget. Measured with hostile documents at the
body limit (`python -m bench.validation`), that budget's default (500,000) still lets one
document cost a quarter of a second; `overlapping_fields_rule` lowers it (gql/schema.py sets
10,000). The alias limit is counted over the document text once: Strawberry's rule followed
every path through fragment spreads, exponential in a document of a few hundred bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLError, ValidationContext, ValidationRule
from graphql.validation import OverlappingFieldsCanBeMergedRule


def alias_limit_rule(max_aliases: int) -> type[ValidationRule]:
    """A rule refusing documents that write more than `max_aliases` aliases.

    Aliases are counted where they are written: an alias inside a fragment counts once however
    often the fragment is spread (what a spread multiplies is the cost analysis's business).
    """

    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1

        def leave_document(self, *_: Any) -> None:
            if self.count > max_aliases:
                message = f"{self.count} aliases found. Allowed: {max_aliases}"
                self.report_error(GraphQLError(message))

    return MaxAliases


def overlapping_fields_rule(budget: int) -> type[ValidationRule]:
    """The standard field-merging rule, aborting validation once `budget` is spent.

    The rule compares every pair of fields that share a response name, descending into their
    sub-selections; graphql-core counts those comparisons and aborts ("Validation aborted.")
    when they exceed a budget. One unit costs up to ~1.3 µs here, so the budget bounds the
    rule's time (10,000: ~20 ms); the queries clients send spend almost none of it
    (GraphiQL's introspection query: 0).
    """

    class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = budget

    return BoundedOverlappingFields


def validation_rules(
    rules: Sequence[type[ASTValidationRule]],
    replacements: Mapping[type[ASTValidationRule], type[ASTValidationRule]],
    extra: Sequence[type[ASTValidationRule]],
) -> tuple[type[ASTValidationRule], ...]:
    """The standard `rules`, some replaced by bounded ones, plus extra rules.

    Give it rule classes made once (at import): the validation cache keys on them.
    """
    return (*(replacements.get(rule, rule) for rule in rules), *extra)


def parse_options(*, max_tokens: int, max_length: int) -> dict[str, Any]:
    """graphql-core's parse options refusing a document of more than `max_tokens` tokens
    (comments included) or `max_length` characters.

    graphql-core's lexer reads strings, names and comments one character at a time in Python
    (~150 ns each), so a single string token the size of the body limit (256 KiB) takes longer
    to read than all 2,000 tokens of an ordinary document; the length bound keeps a document's
    parse within a few milliseconds. Variables are not bound by it, only by the body limit.
    """
    return {"max_tokens": max_tokens, "max_source_length": max_length}
