"""`kerasish.preprocessing.sequence`: padding of variable-length sequences."""

from kerasish.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
