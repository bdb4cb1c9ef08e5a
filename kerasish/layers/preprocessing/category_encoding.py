"""`CategoryEncoding`: one-hot, multi-hot or count encoding of integer ids."""

from kerasish import ops
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.serialization import register_builtin

MODES = ("one_hot", "multi_hot", "count")


@register_builtin("layers")
class CategoryEncoding(Layer):
    """Encodes integer ids in `[0, num_tokens)` as dense vectors.

    - "one_hot": each id becomes a one-hot vector; a trailing axis of size 1 is
      replaced: `(batch, 1) -> (batch, num_tokens)`, `(batch,) -> (batch,
      num_tokens)`.
    - "multi_hot": one vector per sample with 1 at each id present:
      `(batch, n) -> (batch, num_tokens)`; a rank-1 input is one sample.
    - "count": like "multi_hot" but counts occurrences, optionally weighted by
      `count_weights` (same shape as the inputs).

    Ids outside `[0, num_tokens)` give all-zero contributions.

    Args:
        num_tokens: The number of ids (the output's last axis).
        output_mode: "multi_hot" (default), "one_hot" or "count".
        sparse: Unsupported (must be False).

    Example:
    >>> kerasish.layers.CategoryEncoding(4, "count")(np.array([[0, 1, 1]]))
    Array([[1., 2., 0., 0.]], dtype=float32)
    """

    _allow_non_tensor_positional_args = True  # as Keras's data layers

    def __init__(
        self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs
    ):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        _utils.check_choice("CategoryEncoding", "output_mode", output_mode, MODES)
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set. If the number of ids "
                "is not known beforehand, use an IntegerLookup layer instead."
            )
        self.num_tokens = _utils.check_int(
            "CategoryEncoding", "num_tokens", num_tokens, minimum=1
        )
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported.")
        self.output_mode = output_mode
        self.sparse = False
        self.autocast = False
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f"Layer '{self.name}' (CategoryEncoding): `count_weights` is "
                    f"only used with output_mode='count', got "
                    f"output_mode={self.output_mode!r}."
                )
            count_weights = ops.cast(count_weights, self.compute_dtype)
        inputs = ops.convert_to_tensor(inputs)
        return _utils.encode_categorical(
            inputs,
            self.output_mode,
            self.num_tokens,
            self.compute_dtype,
            count_weights,
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (
            input_shape[-1] != 1 or len(input_shape) == 1
        ):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }
