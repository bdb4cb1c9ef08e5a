"""`Dense`: `activation(inputs @ kernel + bias)`."""

from kerasish import (
    activations,
    constraints,
    initializers,
    ops,
    quantizers,
    regularizers,
)
from kerasish.layers.core.dense_quantization import DenseQuantization, lora_config
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin, serialize_keras_object


def _positive_int(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: `{name}` must be a positive int, got {value!r}.")
    return value


@register_builtin("layers")
class Dense(DenseQuantization, Layer):
    """Densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: Positive integer, size of the output's last axis.
        activation: Activation name or callable. Defaults to `None` (linear).
        use_bias: Whether to add a bias vector.
        kernel_initializer: Defaults to "glorot_uniform".
        bias_initializer: Defaults to "zeros".
        kernel_regularizer, bias_regularizer: Penalties added to the loss.
        kernel_constraint, bias_constraint: Projections after each update.
        lora_rank: If set, LoRA of this rank is enabled at build (see
            `enable_lora`): the kernel freezes and two low-rank factors train.
        lora_alpha: LoRA's scale numerator: the delta is scaled by
            `lora_alpha / lora_rank`. Defaults to `lora_rank`.
        quantization_config: The `QuantizationConfig` a quantized dtype policy
            builds with (set by `quantize`; saved in the config).

    Input shape: `(..., input_dim)`. Output shape: `(..., units)`.

    Example:
    >>> kerasish.layers.Dense(4)(np.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) needs a known last input axis, got "
                f"input shape {tuple(input_shape)}."
            )
        kernel_shape = (input_dim, self.units)
        if self.quantization_mode:
            self.quantized_build(
                kernel_shape, self.quantization_mode, self.quantization_config
            )
        if self.quantization_mode not in ("int8", "int4"):
            self._kernel = self.add_weight(
                name="kernel",
                shape=kernel_shape,
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def call(self, inputs):
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": serialize_keras_object(self.quantization_config),
            **lora_config(self),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["quantization_config"] = quantizers.deserialize(
            config.get("quantization_config")
        )
        return super().from_config(config)
