"""`Identity`: returns its input unchanged."""

from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Identity(Layer):
    """Returns its input unchanged (a placeholder in a model).

    Example:
    >>> kerasish.layers.Identity()(np.ones((2, 3))).shape
    (2, 3)
    """

    _built_at_init = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
