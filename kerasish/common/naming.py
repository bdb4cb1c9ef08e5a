"""Automatic unique names (`dense`, `dense_1`, ...) as Keras makes them."""

import re
from collections import defaultdict

_COUNTS: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    # Keras's rule: Conv2D -> conv2d, LSTM -> lstm, MultiHeadAttention ->
    # multi_head_attention.
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base: str) -> str:
    count = _COUNTS[base]
    _COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_uids() -> None:
    _COUNTS.clear()


def get_uid(prefix: str = "") -> int:
    """Counts calls per `prefix` (1, 2, ...), sharing `uniquify`'s counters."""
    _COUNTS[prefix] += 1
    return _COUNTS[prefix]
