"""LoRA and int8 / int4 quantization for `Embedding`, as Keras 3 has them.

LoRA: `embeddings + (lora_alpha / lora_rank) * lora_embeddings_a @
lora_embeddings_b`, base table frozen; files hold the merged table.
Quantization is per row (per id): "int8" keeps one scale per row; "int4" packs
two values per byte along the vector axis, with one scale per row
(`block_size=None`) or, per group of `block_size` vector entries, a scale and a
zero point (`w ~ (q - zero) * scale`).
"""

import math

from kerasish import ops
from kerasish.layers.core.dense_quantization import (
    add_lora_weights,
    check_enable_lora,
    finish_enable_lora,
)
from kerasish.quantizers import quantizers
from kerasish.quantizers.quantization_config import (
    Int4QuantizationConfig,
    QuantizationConfig,
    get_block_size_for_layer,
)


def _ids(inputs):
    if ops.standardize_dtype(inputs.dtype) not in ("int32", "int64"):
        inputs = ops.cast(inputs, "int32")
    return inputs


class EmbeddingQuantization:
    """`Embedding`'s `embeddings` property, `enable_lora`, `quantize` and the
    quantized builds, calls and files."""

    @property
    def embeddings(self):
        """The effective table: unpacked for int4, plus any LoRA delta; the
        `embeddings` variable itself for a plain layer."""
        if not self.built:
            raise AttributeError(
                f"Layer '{self.name}' (Embedding): you must build the layer before "
                "accessing `embeddings`."
            )
        table = self._embeddings
        if self.quantization_mode == "int4":
            table = quantizers.unpack_int4(table, self._orig_output_dim, axis=-1)
        if self.lora_enabled:
            delta = ops.matmul(self.lora_embeddings_a, self.lora_embeddings_b)
            table = self._add_lora(table, delta)
        return table

    def enable_lora(
        self,
        rank,
        lora_alpha=None,
        a_initializer="he_uniform",
        b_initializer="zeros",
    ):
        """Freezes the table and adds trainable `lora_embeddings_a`
        `(input_dim, rank)` and `lora_embeddings_b` `(rank, output_dim)`."""
        if self.embeddings_constraint:
            raise ValueError(
                "Lora is incompatible with embedding constraints. In order to "
                f"enable lora on layer '{self.name}', remove the "
                "`embeddings_constraint` argument."
            )
        check_enable_lora(self, None)
        self.lora_embeddings_a, self.lora_embeddings_b = add_lora_weights(
            self,
            ("lora_embeddings_a", "lora_embeddings_b"),
            ((self.input_dim, rank), (rank, self.output_dim)),
            (a_initializer, b_initializer),
            self.embeddings_regularizer,
        )
        finish_enable_lora(self, self._embeddings, rank, lora_alpha)

    def _lora_output(self, inputs, outputs):
        if not self.lora_enabled:
            return outputs
        lora = ops.matmul(
            ops.take(self.lora_embeddings_a, inputs, axis=0), self.lora_embeddings_b
        )
        return self._add_lora(outputs, lora)

    # -- quantization ----------------------------------------------------------
    def quantized_build(self, embeddings_shape, mode, config=None):
        if mode == "int8":
            self._embeddings = self.add_weight(
                name="embeddings",
                shape=embeddings_shape,
                initializer="zeros",
                dtype="int8",
                trainable=False,
            )
            self.embeddings_scale = self.add_weight(
                name="embeddings_scale",
                shape=(self.input_dim,),
                initializer="ones",
                trainable=False,
            )
        elif mode == "int4":
            self._int4_build(embeddings_shape, config)
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _int4_build(self, embeddings_shape, config=None):
        input_dim, output_dim = embeddings_shape
        self._embeddings = self.add_weight(
            name="embeddings",
            shape=(input_dim, (output_dim + 1) // 2),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        block_size = get_block_size_for_layer(self, config)
        self._int4_block_size = block_size
        grouped = block_size is not None and block_size > 0
        scale_shape = (
            (input_dim, math.ceil(output_dim / block_size)) if grouped else (input_dim,)
        )
        self._add_int4_scale_weights("embeddings", scale_shape, output_dim, block_size)
        self._orig_output_dim = output_dim

    def _int8_call(self, inputs, training=None):
        inputs = _ids(inputs)
        scale = ops.take(self.embeddings_scale, inputs, axis=0)
        outputs = ops.take(self._embeddings, inputs, axis=0)
        outputs = ops.divide(
            ops.cast(outputs, self.compute_dtype), ops.expand_dims(scale, axis=-1)
        )
        return self._lora_output(inputs, outputs)

    def _int4_call(self, inputs, training=None):
        inputs = _ids(inputs)
        unpacked = quantizers.unpack_int4(
            ops.convert_to_tensor(self._embeddings), self._orig_output_dim, axis=-1
        )
        outputs = ops.take(unpacked, inputs, axis=0)
        scale = ops.take(self.embeddings_scale, inputs, axis=0)
        block_size = getattr(self, "_int4_block_size", None)
        if block_size is None or block_size == -1:
            outputs = ops.divide(
                ops.cast(outputs, self.compute_dtype), ops.expand_dims(scale, axis=-1)
            )
        else:
            outputs = quantizers.dequantize_with_sz_map(
                ops.cast(outputs, self.compute_dtype),
                scale,
                ops.take(self.embeddings_zero, inputs, axis=0),
                self.g_idx,
                group_axis=-1,
            )
        return self._lora_output(inputs, outputs)

    @staticmethod
    def _quantize_table(table, mode, block_size, value_range=None):
        """`(values, scale, zero)` of a float table, per row (grouped along the
        vector axis when `block_size` is positive)."""
        if mode == "int4" and block_size is not None and block_size > 0:
            values_t, scale_t, zero_t = (
                quantizers.abs_max_quantize_grouped_with_zero_point(
                    ops.transpose(table), block_size=block_size, to_numpy=True
                )
            )
            return (
                ops.transpose(values_t),
                ops.transpose(scale_t),
                ops.transpose(zero_t),
            )
        value_range = (-8, 7) if mode == "int4" else (-127, 127)
        values, scale = quantizers.abs_max_quantize(
            table, axis=-1, value_range=value_range, to_numpy=True
        )
        return values, ops.squeeze(scale, axis=-1), None

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the built table in place ("int8" or "int4")."""
        from kerasish.layers.core.embedding import Embedding

        if type_check and type(self) is not Embedding:
            raise self._not_implemented_error(self.quantize)
        if mode not in ("int8", "int4"):
            raise self._quantization_mode_error(mode)
        self.quantization_config = config
        shape = (self.input_dim, self.output_dim)
        block_size = (
            config.block_size if isinstance(config, Int4QuantizationConfig) else None
        )
        grouped = mode == "int4" and block_size is not None and block_size != -1
        table = self._embeddings.numpy()
        if grouped:
            values, scale, zero = self._quantize_table(table, mode, block_size)
        else:
            default = quantizers.AbsMaxQuantizer(
                axis=-1,
                value_range=(-8, 7) if mode == "int4" else (-127, 127),
                output_dtype="int8",
            )
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, default)
            values, scale = quantizer(table, to_numpy=True)
            scale, zero = ops.squeeze(scale, axis=-1), None
        if mode == "int4":
            values, _, _ = quantizers.pack_int4(values, axis=-1)
        self._untrack_variable(self._embeddings)
        del self._embeddings
        self.quantized_build(shape, mode, config)
        self._embeddings.assign(values)
        self.embeddings_scale.assign(scale)
        if zero is not None:
            self.embeddings_zero.assign(zero)
        self._set_quantized_policy(mode, config)

    def _quantization_mode_error(self, mode):
        return NotImplementedError(
            "Invalid quantization mode. Expected one of ('int8', 'int4'). "
            f"Received: quantization_mode={mode}"
        )

    # -- files -----------------------------------------------------------------
    @property
    def variable_serialization_spec(self):
        return {
            None: ["embeddings"],
            "int8": ["embeddings", "embeddings_scale"],
            "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"],
        }

    def _merged_embeddings(self):
        mode = self.quantization_mode
        if mode is None:
            return ops.convert_to_numpy(self.embeddings), None, None
        zero = getattr(self, "embeddings_zero", None)
        if not self.lora_enabled:
            return self._embeddings.numpy(), self.embeddings_scale.numpy(), zero
        block_size = getattr(self, "_int4_block_size", None)
        grouped = mode == "int4" and block_size is not None and block_size > 0
        base = self._embeddings
        if mode == "int4":
            base = quantizers.unpack_int4(base, self._orig_output_dim, axis=-1)
        base = ops.cast(base, "float32")
        if grouped:
            base = quantizers.dequantize_with_sz_map(
                base, self.embeddings_scale, self.embeddings_zero, self.g_idx, -1
            )
        else:
            base = ops.divide(base, ops.expand_dims(self.embeddings_scale, -1))
        delta = ops.matmul(self.lora_embeddings_a, self.lora_embeddings_b)
        merged = ops.add(base, (self.lora_alpha / self.lora_rank) * delta)
        values, scale, zero = self._quantize_table(merged, mode, block_size)
        if mode == "int4":
            values, _, _ = quantizers.pack_int4(values, axis=-1)
        return values, scale, zero

    def save_own_variables(self, store):
        """Keras's layout; LoRA merged into (and re-quantized with) the table."""
        if not self.built:
            return
        mode = self.quantization_mode
        if mode not in self.variable_serialization_spec:
            raise self._quantization_mode_error(mode)
        table, scale, zero = self._merged_embeddings()
        values = {"embeddings": table, "embeddings_scale": scale}
        values["embeddings_zero"] = zero
        values["g_idx"] = getattr(self, "g_idx", None)
        index = 0
        for name in self.variable_serialization_spec[mode]:
            if values[name] is None:
                continue
            store[str(index)] = ops.convert_to_numpy(values[name])
            index += 1

    def load_own_variables(self, store):
        """Loads Keras's layout; LoRA factors restart at zero."""
        if not self.lora_enabled:
            self._check_load_own_variables(store)
        if not self.built:
            return
        mode = self.quantization_mode
        if mode not in self.variable_serialization_spec:
            raise self._quantization_mode_error(mode)
        names = [
            n
            for n in self.variable_serialization_spec[mode]
            if n == "embeddings" or getattr(self, n, None) is not None
        ]
        for index, name in enumerate(names):
            target = self._embeddings if name == "embeddings" else getattr(self, name)
            target.assign(store[str(index)])
        if self.lora_enabled:
            self.lora_embeddings_a.assign(ops.zeros(self.lora_embeddings_a.shape))
            self.lora_embeddings_b.assign(ops.zeros(self.lora_embeddings_b.shape))
