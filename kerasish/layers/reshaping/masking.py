"""`Masking`: marks timesteps equal to `mask_value` as padding."""

from kerasish import ops
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`.

    The mask is `any(inputs != mask_value, axis=-1)`, shape `(batch, steps)`;
    downstream layers that support masking (RNNs, GlobalAveragePooling1D,
    attention) skip the masked steps. Masked timesteps are also zeroed in the
    output.

    Args:
        mask_value: The padding value. Defaults to 0.0.

    Example:
    >>> x = np.array([[[1.0], [0.0]]])
    >>> np.asarray(kerasish.layers.Masking().compute_mask(x))
    array([[ True, False]])
    """

    _built_at_init = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, int | float):
            raise TypeError(
                f"Masking: `mask_value` must be a number, got {mask_value!r}."
            )
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.where(keep, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
