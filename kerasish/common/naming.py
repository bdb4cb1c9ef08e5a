"""Automatic unique names (`dense`, `dense_1`, ...) as Keras makes them."""

import re

from kerasish.scopes import get_uid, reset_uids, uniquify  # noqa: F401


def to_snake_case(name: str) -> str:
    # Keras's rule: Conv2D -> conv2d, LSTM -> lstm, MultiHeadAttention ->
    # multi_head_attention.
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
