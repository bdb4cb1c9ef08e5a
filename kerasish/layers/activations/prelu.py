"""`PReLU`: leaky ReLU whose negative slope `alpha` is learned."""

from kerasish import constraints, initializers, ops, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class PReLU(Layer):
    """Parametric ReLU: `f(x) = x` for `x >= 0`, `alpha * x` otherwise.

    `alpha` is a weight of shape `input_shape[1:]`, with size 1 on each of
    `shared_axes`; the output is `relu(x) - alpha * relu(-x)`.

    Args:
        alpha_initializer: Initializer for `alpha`. Defaults to `"Zeros"`.
        alpha_regularizer: Regularizer for `alpha`.
        alpha_constraint: Constraint for `alpha`.
        shared_axes: Axis or list of axes (1-based, batch is 0) along which
            `alpha` is shared, e.g. `[1, 2]` for one slope per channel of
            `(batch, height, width, channels)` feature maps.

    Input shape: any, rank >= 2. Output shape: same as input.

    Example:
    >>> layer = kerasish.layers.PReLU(alpha_initializer="ones")
    >>> layer(np.array([[-2.0, 3.0]]))
    Array([[-2.,  3.]], dtype=float32)
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, list | tuple):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        for axis in self.shared_axes or []:
            if isinstance(axis, bool) or not isinstance(axis, int) or axis < 1:
                raise ValueError(
                    "PReLU: `shared_axes` must hold positive ints (axis 0 is the "
                    f"batch axis, which is always shared), got {shared_axes!r}."
                )

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis >= len(input_shape):
                raise ValueError(
                    f"Layer '{self.name}' (PReLU): shared axis {axis} is out of "
                    f"range for inputs of shape {tuple(input_shape)}."
                )
            param_shape[axis - 1] = 1
        self.alpha = self.add_weight(
            shape=param_shape,
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {}
        if self.shared_axes:
            shared = set(self.shared_axes)
            axes = {
                i: input_shape[i] for i in range(1, len(input_shape)) if i not in shared
            }
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
