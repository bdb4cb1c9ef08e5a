"""`Embedding`: turns integer ids into dense vectors."""

from kerasish import constraints, initializers, ops, quantizers, regularizers
from kerasish.layers.core.dense_quantization import lora_config
from kerasish.layers.core.embedding_quantization import EmbeddingQuantization
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin, serialize_keras_object


@register_builtin("layers")
class Embedding(EmbeddingQuantization, Layer):
    """Looks up a dense vector for each integer id: `embeddings[inputs]`.

    Args:
        input_dim: Size of the vocabulary (largest id + 1).
        output_dim: Size of each vector.
        embeddings_initializer: Defaults to "uniform" (uniform in [-0.05, 0.05]).
        mask_zero: Whether id 0 is padding; downstream layers then get a mask.
        lora_rank, lora_alpha: LoRA at build, as in `Dense` (see `enable_lora`).
        quantization_config: The `QuantizationConfig` a quantized policy builds
            with.

    Input shape: `(batch, ...)` integers. Output shape: `(batch, ..., output_dim)`.

    Example:
    >>> kerasish.layers.Embedding(10, 4)(np.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Embedding: `{name}` must be a positive int, got {value!r}."
                )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False
        self._initial_weights = weights
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config

    def build(self, input_shape=None):
        shape = (self.input_dim, self.output_dim)
        if self.quantization_mode:
            self.quantized_build(
                shape, self.quantization_mode, self.quantization_config
            )
        if self.quantization_mode not in ("int8", "int4"):
            self._embeddings = self.add_weight(
                name="embeddings",
                shape=shape,
                initializer=self.embeddings_initializer,
                regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint,
            )
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def call(self, inputs):
        if "int" not in str(inputs.dtype):
            inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(
                self.embeddings_initializer
            ),
            "embeddings_regularizer": regularizers.serialize(
                self.embeddings_regularizer
            ),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
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
