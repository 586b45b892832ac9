"""Hostile GraphQL documents, each as large as the body limit (256 KiB) and the token limit let
it be, for the tests of the document limits and for `python -m bench.validation`.

Each builder returns the document text; `DOCUMENTS` names them with the error code a client
gets for each, so the tests and the benchmark cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

BODY_LIMIT = 256 * 1024
DOCUMENT_LIMIT = 64 * 1024
# Room left for the JSON around the query in a request body.
_ROOM = BODY_LIMIT - 1024
# Room left under the document length limit, for documents that must be read to the end.
_DOC_ROOM = DOCUMENT_LIMIT - 64


def fragment_fan_out(levels: int = 30) -> str:
    """Each fragment spreads the one below it twice: 2**levels paths through few tokens."""
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [
        f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels + 1)
    ]
    return f"{{ ...F{levels} }} " + " ".join(fragments)


def fragment_fan_out_of_todos(levels: int = 30) -> str:
    """The same fan-out with a page of todos at the bottom: a cost of 2**levels pages."""
    fragments = ["fragment F0 on Query { todos(first: 100) { nodes { id content } } }"]
    fragments += [
        f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels + 1)
    ]
    return f"{{ ...F{levels} }} " + " ".join(fragments)


def conflicting_arguments(count: int = 220) -> str:
    """One response name, many different arguments: every pair conflicts."""
    return "{ " + " ".join(f'todo(id: "{n}") {{ id }}' for n in range(count)) + " }"


def same_field_repeated(count: int = 1_990) -> str:
    """The same field many times: every pair must be compared before it merges."""
    return "{ " + "__typename " * count + "}"


def conflicts_through_fragments(count: int = 99) -> str:
    """Many fragments on one type, all spread together, each asking for `todos` differently."""
    spreads = " ".join(f"...A{n}" for n in range(count))
    fragments = " ".join(
        f"fragment A{n} on Query {{ todos(first: {n + 1}) {{ nodes {{ id }} }} }}"
        for n in range(count)
    )
    return f"{{ {spreads} }} {fragments}"


def conflicts_in_nested_selections(count: int = 150) -> str:
    """Mergeable at the top, so the comparison descends into every pair's sub-selections."""
    field = "todos { nodes { id content status } pageInfo { hasNextPage } }"
    return "{ " + " ".join([field] * count) + " }"


def deep_selections(depth: int = 600) -> str:
    """`ofType` nests without end in the introspection schema: a valid, very deep document."""
    return '{ __type(name: "Query") { ' + "ofType { " * depth + "name" + " }" * depth + " } }"


def deep_unknown_selections(depth: int = 660) -> str:
    return "{ " + "a { " * depth + "b" + " }" * depth + " }"


def deep_lists(depth: int = 990) -> str:
    return "{ todo(id: " + "[" * depth + "1" + "]" * depth + ") { id } }"


def deep_objects(depth: int = 490) -> str:
    return "{ todo(id: " + "{a: " * depth + "1" + "}" * depth + ") { id } }"


def deep_variable_type(depth: int = 990) -> str:
    return "query($v: " + "[" * depth + "Int" + "]" * depth + ") { __typename }"


def deep_fragment_chain(count: int = 180) -> str:
    """Each fragment shallow, the chain of spreads deep: `ofType` 2 x count levels down."""
    fragments = [f"fragment T{n} on __Type {{ ofType {{ ...T{n + 1} }} }}" for n in range(count)]
    fragments.append(f"fragment T{count} on __Type {{ name }}")
    return '{ __type(name: "Query") { ...T0 } } ' + " ".join(fragments)


def directive_flood(count: int = 280) -> str:
    return "{ __typename " + "@skip(if: false) " * count + "}"


def unknown_directive_flood(count: int = 990) -> str:
    return "{ __typename " + "@a " * count + "}"


def alias_flood(count: int = 660) -> str:
    return "{ " + " ".join(f"a{n}: __typename" for n in range(count)) + " }"


def huge_string(room: int = _ROOM) -> str:
    """One string token: read one character at a time by graphql-core's lexer."""
    return '{ todo(id: "' + "x" * (room - 40) + '") { id } }'


def huge_block_string(room: int = _ROOM) -> str:
    return '{ todo(id: """' + "\n  x" * ((room - 40) // 4) + '""") { id } }'


def escaped_string(room: int = _ROOM) -> str:
    return '{ todo(id: "' + "\\u0041" * ((room - 40) // 6) + '") { id } }'


def huge_name(room: int = _ROOM) -> str:
    return "{ " + "x" * (room - 10) + " }"


def huge_integer(room: int = _ROOM) -> str:
    return "{ todos(first: " + "9" * (room - 40) + ") { nodes { id } } }"


def deep_selections_within_the_parser(depth: int = 190) -> str:
    """Just under graphql-core's nesting limit (200): parsed, then validated, priced, run."""
    return deep_selections(depth)


def deep_lists_within_the_parser(depth: int = 190) -> str:
    return "{ todo(id: " + "[" * depth + '"1"' + "]" * depth + ") { id } }"


def many_variables(count: int = 490) -> str:
    definitions = ", ".join(f"$v{n}: Int" for n in range(count))
    return f"query({definitions}) {{ __typename }}"


def many_operations(count: int = 390) -> str:
    """All named alike, so each must be compared by name (and refused)."""
    return " ".join("query Q { __typename }" for _ in range(count))


def many_operations_one_fragment_chain(count: int = 90) -> str:
    """Every operation reaches every fragment: per-operation walks would be quadratic."""
    operations = " ".join(f"query Q{n}($v: Int) {{ ...F0 }}" for n in range(count))
    chain = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(count))
    return f"{operations} {chain} fragment F{count} on Query {{ __typename }}"


def comment_flood() -> str:
    return "{ __typename }\n" + "#\n" * ((_ROOM - 20) // 2)


def comment_flood_within_the_length() -> str:
    return comment_flood()[:_DOC_ROOM]


def one_long_comment() -> str:
    return "{ __typename } #" + "x" * (_ROOM - 20)


def introspection_nesting(levels: int = 40) -> str:
    """`types { fields { type { fields { type { ... } } } } }`: a response that explodes."""
    inner = "name"
    for _ in range(levels):
        inner = f"name fields {{ name type {{ {inner} }} }}"
    return "{ __schema { types { " + inner + " } } }"


def aliased_pages(count: int = 30, *, status: bool = False) -> str:
    filtered = ', status: "x"' if status else ""
    return (
        "{ "
        + " ".join(f"p{n}: todos(first: 100{filtered}) {{ nodes {{ id }} }}" for n in range(count))
        + " }"
    )


@dataclass(frozen=True)
class Adversary:
    name: str
    build: Callable[[], str]
    code: str | None
    """The error code a client gets; None for a document that is valid and runs."""


_PARSE = "GRAPHQL_PARSE_FAILED"
_VALIDATION = "GRAPHQL_VALIDATION_FAILED"
_COST = "COST_LIMIT_EXCEEDED"

DOCUMENTS = (
    Adversary("fragment fan-out", fragment_fan_out, _COST),
    Adversary("fragment fan-out of todos", fragment_fan_out_of_todos, _COST),
    Adversary("conflicting arguments", conflicting_arguments, _VALIDATION),
    Adversary("same field repeated", same_field_repeated, _VALIDATION),
    Adversary("conflicts through fragments", conflicts_through_fragments, _VALIDATION),
    Adversary("conflicts in nested selections", conflicts_in_nested_selections, _VALIDATION),
    Adversary("deep selections", deep_selections, _PARSE),
    Adversary("deep unknown selections", deep_unknown_selections, _PARSE),
    Adversary("deep lists", deep_lists, _PARSE),
    Adversary("deep objects", deep_objects, _PARSE),
    Adversary("deep variable type", deep_variable_type, _PARSE),
    Adversary("deep fragment chain", deep_fragment_chain, _VALIDATION),
    Adversary("directive flood", directive_flood, _VALIDATION),
    Adversary("unknown directive flood", unknown_directive_flood, _VALIDATION),
    Adversary("alias flood", alias_flood, _VALIDATION),
    Adversary("deep selections within the parser", deep_selections_within_the_parser, None),
    Adversary("deep lists within the parser", deep_lists_within_the_parser, _VALIDATION),
    Adversary("huge string", huge_string, _PARSE),
    Adversary("huge string within the length", partial(huge_string, _DOC_ROOM), None),
    Adversary("huge block string within the length", partial(huge_block_string, _DOC_ROOM), None),
    Adversary("escaped string within the length", partial(escaped_string, _DOC_ROOM), None),
    Adversary("huge name within the length", partial(huge_name, _DOC_ROOM), _VALIDATION),
    Adversary("huge integer within the length", partial(huge_integer, _DOC_ROOM), _VALIDATION),
    Adversary("many variables", many_variables, _VALIDATION),
    Adversary("many operations", many_operations, _VALIDATION),
    Adversary(
        "many operations, one fragment chain", many_operations_one_fragment_chain, _VALIDATION
    ),
    Adversary("comment flood", comment_flood, _PARSE),
    Adversary("comment flood within the length", comment_flood_within_the_length, _PARSE),
    Adversary("one long comment", one_long_comment, _PARSE),
    Adversary("introspection nesting", introspection_nesting, _VALIDATION),
    Adversary("30 aliased pages", aliased_pages, _COST),
)
