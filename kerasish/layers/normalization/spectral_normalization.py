"""`SpectralNormalization`: divides a wrapped layer's kernel by its spectral norm.

With `W` the kernel reshaped to `(-1, out)` and `u` the persistent estimate of
its leading right singular vector, each training call runs `power_iterations`
steps of

    v = normalize(u @ W.T)    u = normalize(v @ W)

(`normalize` divides by the L2 norm of the whole vector), then
`sigma = v @ W @ u.T` and the kernel used is `W / sigma` (Miyato et al., 2018).
As in Keras, `u` and `v` carry no gradient, and an all-zero kernel is left as is.
"""

from kerasish import initializers, ops
from kerasish.layers.core.wrapper import Wrapper
from kerasish.layers.input_spec import InputSpec
from kerasish.serialization import register_builtin


@register_builtin("layers")
class SpectralNormalization(Wrapper):
    """Spectral normalization of the `kernel` (or `embeddings`) of `layer`.

    In training (`training=True`), the kernel is replaced by `kernel / sigma`,
    `sigma` the power-iteration estimate of its largest singular value, and the
    estimate `vector_u` is updated. In inference the kernel is used as stored.

    Args:
        layer: A layer with a `kernel` or `embeddings` weight (Dense, Conv2D,
            Embedding, ...).
        power_iterations: Positive int, power-iteration steps per training
            call. Defaults to 1.

    Weights: the wrapped layer's, plus the non-trainable `vector_u (1, out)`.

    Example:
    >>> layer = kerasish.layers.SpectralNormalization(kerasish.layers.Dense(3))
    >>> layer(np.ones((2, 4)), training=True).shape
    (2, 3)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (
            isinstance(power_iterations, bool)
            or not isinstance(power_iterations, int)
            or power_iterations <= 0
        ):
            raise ValueError(
                "SpectralNormalization: `power_iterations` must be a positive int, "
                f"received power_iterations={power_iterations!r}."
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(
                f"SpectralNormalization: the wrapped layer '{self.layer.name}' "
                f"({type(self.layer).__name__}) has neither a `kernel` nor an "
                "`embeddings` weight. Wrap a layer such as Dense, Conv2D or "
                "Embedding."
            )
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )

    def call(self, inputs, training=False):
        if training:
            kernel = self.kernel.value
            new_u, new_kernel = ops.cond(
                ops.all(ops.equal(kernel, 0)),
                lambda: (self.vector_u.value, kernel),
                lambda: self.normalized_weights(kernel),
            )
            self.vector_u.assign(new_u)
            self.kernel.assign(new_kernel)
        output = self.layer(inputs)
        return ops.cast(output, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def normalized_weights(self, kernel=None):
        """`(vector_u, kernel / sigma)` after `power_iterations` steps."""
        kernel = self.kernel.value if kernel is None else kernel
        # (prod(kernel_shape[:-1]), out)
        weights = ops.reshape(kernel, (-1, self.kernel_shape[-1]))
        vector_u = self.vector_u.value
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(
                ops.matmul(vector_u, ops.transpose(weights)), axis=None
            )
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=None)
        vector_u = ops.stop_gradient(vector_u)
        vector_v = ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        new_kernel = ops.reshape(ops.divide(kernel, sigma), self.kernel_shape)
        return (
            ops.cast(vector_u, self.vector_u.dtype),
            ops.cast(new_kernel, self.kernel.dtype),
        )

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
