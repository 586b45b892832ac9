"""Hypothesis strategies for text as a JSON caller can send it: any code point, lone surrogates
included, and helpers that say what the server receives."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Every code point, surrogates included. Drawn uniformly, a surrogate is one in 500 characters,
# so surrogates get their own branch to turn up in a fair share of the strings.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
SURROGATE = st.characters(categories=["Cs"])


def texts(*, max_size: int) -> st.SearchStrategy[str]:
    """Strings of any code points: about half of them with surrogates among them, which may
    pair up (high then low) into one astral character once JSON has carried them."""
    plain = st.text(ANY_CHARACTER, max_size=max_size)
    chunk = st.text(ANY_CHARACTER, max_size=8) | st.text(SURROGATE, min_size=1, max_size=2)
    with_surrogates = st.lists(chunk, min_size=1, max_size=4).map("".join)
    return plain | with_surrogates


def as_received(value: str) -> str:
    """What a server reads from `json.dumps(value)`: `\\udXXX` escapes of a high and a low
    surrogate in a row decode to one character, and only unpaired ones stay surrogates."""
    received: str = json.loads(json.dumps(value))
    return received


def has_lone_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(character) <= 0xDFFF for character in as_received(value))
