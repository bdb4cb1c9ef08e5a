"""LoRA and int8 / int4 / float8 quantization for `EinsumDense` (Keras 3's).

LoRA adds `lora_kernel_a` `(*kernel.shape[:-1], rank)` and `lora_kernel_b`
`(rank, kernel.shape[-1])`; the kernel becomes `kernel + (alpha / rank) * a @ b`.

Quantization reduces over the kernel axes the equation contracts (those absent
from the output): "int8" keeps the kernel's layout with one scale per output
position, stored in the output's axis order (`_quantization_info` derives the
transposes); "int4" flattens the kernel to `(rows, columns)` = (contracted,
kept) sizes, packs columns two per byte, and uses per-column or grouped scales
as `Dense` does.
"""

import functools
import math
import re
import string

import numpy as np

from kerasish import ops
from kerasish.layers.core.dense_quantization import (
    add_lora_weights,
    check_enable_lora,
    finish_enable_lora,
    float8_bias,
    float8_build,
    float8_contract,
)
from kerasish.quantizers import quantizers
from kerasish.quantizers.quantization_config import (
    Int4QuantizationConfig,
    QuantizationConfig,
    get_block_size_for_layer,
)


def _full_specs(equation, ndim):
    """The equation's three letter specs with any ellipsis spelled out in
    unused letters (as many as the input's elided axes)."""
    dotted = re.sub(r"\.\.\.", "0", equation)
    plain = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dotted)
    if plain is not None:
        return plain.groups()
    for pattern, left in (
        ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
        ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False),
    ):
        match = re.match(pattern, dotted)
        if match is None:
            continue
        inp, weight, out = match.groups()
        free = sorted(set(string.ascii_letters) - set(inp + weight + out))
        extra = "".join(free[: ndim - len(inp)])
        if left:
            return extra + inp, weight, extra + out
        return inp + extra, weight, out + extra
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _layout(spec, out_spec, index):
    """(reduced, transpose, expand, squeeze) axes for one operand's scale, and
    the insert position carried to the next operand.

    A reduced axis takes the place of the next output axis the operand lacks;
    when none is left it is squeezed, and (as Keras does) it is inserted at the
    last position used, a value shared across both operands.
    """
    reduced = [i for i, c in enumerate(spec) if c not in out_spec]
    pending = [i for i, c in enumerate(out_spec) if c not in spec]
    transpose = [spec.index(c) for c in out_spec if c in spec]
    squeeze = []
    for axis in reduced:
        if pending:
            index = pending.pop(0)
        else:
            squeeze.append(axis)
        transpose.insert(index, axis)
    return (reduced, transpose, pending, squeeze), index


def quantization_info(equation, ndim):
    """The axes bookkeeping of int8 EinsumDense (see `_layout`), and the einsum
    of the input gradient."""
    inp, weight, out = _full_specs(equation, ndim)
    # Keras's first fallback position: where the kernel's last letter sits in
    # the output (-1 when contracted).
    index = out.find(weight[-1])
    input_info, index = _layout(inp, out, index)
    kernel_info, _ = _layout(weight, out, index)
    reverse = [i for _, i in sorted((v, i) for i, v in enumerate(kernel_info[1]))]
    return {
        "input": input_info,
        "kernel": kernel_info,
        "gradient_equation": f"{out},{weight}->{inp}",
        "kernel_reverse_transpose": reverse,
    }


class EinsumDenseQuantization:
    """`EinsumDense`'s `kernel` property, `enable_lora`, `quantize`, quantized
    calls and Keras's variable files."""

    @property
    def kernel(self):
        """The effective float kernel (unpacked for int4, plus any LoRA delta);
        the `kernel` variable itself for a plain layer."""
        if not self.built:
            raise AttributeError(
                f"Layer '{self.name}' (EinsumDense): you must build the layer "
                "before accessing `kernel`."
            )
        kernel = self._kernel
        if self.quantization_mode == "int4":
            kernel = quantizers.unpack_int4(
                kernel, self._int4_unpacked_column_size, axis=-1
            )
            kernel = ops.reshape(kernel, self.original_kernel_shape)
        if self.lora_enabled:
            delta = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
            kernel = self._add_lora(kernel, delta)
        return kernel

    def enable_lora(
        self,
        rank,
        lora_alpha=None,
        a_initializer="he_uniform",
        b_initializer="zeros",
    ):
        """Freezes the kernel and adds trainable low-rank factors
        `lora_kernel_a` `(*kernel_shape[:-1], rank)` and `lora_kernel_b`
        `(rank, kernel_shape[-1])`."""
        check_enable_lora(self, self.kernel_constraint)
        if self.quantization_mode == "int4":
            shape = tuple(self.original_kernel_shape)
        else:
            shape = tuple(self._kernel.shape)
        self.lora_kernel_a, self.lora_kernel_b = add_lora_weights(
            self,
            ("lora_kernel_a", "lora_kernel_b"),
            (shape[:-1] + (rank,), (rank, shape[-1])),
            (a_initializer, b_initializer),
            self.kernel_regularizer,
        )
        finish_enable_lora(self, self._kernel, rank, lora_alpha)

    # -- quantization bookkeeping ----------------------------------------------
    def _set_quantization_info(self):
        if getattr(self, "_quant_info", None) is None:
            self._quant_info = quantization_info(self.equation, self.input_spec.ndim)

    def _scale_for_quant(self, scale, operand):
        _, transpose, expand, squeeze = self._quant_info[operand]
        if transpose:
            scale = ops.transpose(scale, transpose)
        if expand:
            scale = ops.expand_dims(scale, axis=expand)
        if squeeze:
            scale = ops.squeeze(scale, axis=squeeze)
        return scale

    def _scale_for_dequant(self, scale):
        _, _, expand, squeeze = self._quant_info["kernel"]
        if squeeze:
            scale = ops.expand_dims(scale, axis=squeeze)
        if expand:
            scale = ops.squeeze(scale, axis=expand)
        reverse = self._quant_info["kernel_reverse_transpose"]
        if reverse:
            scale = ops.transpose(scale, reverse)
        return scale

    def _kernel_scale_shape(self, kernel_shape):
        reduced, transpose, expand, squeeze = self._quant_info["kernel"]
        shape = np.array(kernel_shape)
        shape[reduced] = 1
        shape = shape[transpose].tolist()
        for axis in sorted(expand):
            shape.insert(axis, 1)
        for axis in sorted(squeeze, reverse=True):
            shape.pop(axis)
        return tuple(shape)

    def _rows_columns(self, kernel_shape):
        reduced = self._quant_info["kernel"][0]
        rows = math.prod(d for i, d in enumerate(kernel_shape) if i in reduced)
        columns = math.prod(d for i, d in enumerate(kernel_shape) if i not in reduced)
        return rows, columns

    # -- builds ----------------------------------------------------------------
    def quantized_build(self, kernel_shape, mode, config=None):
        if mode == "int8":
            self._int8_build(kernel_shape, config)
        elif mode == "int4":
            self._int4_build(kernel_shape, config)
        elif mode == "float8":
            float8_build(self)
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _int8_build(self, kernel_shape, config=None):
        self._set_quantization_info()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer()
        )
        self.quantization_axis = tuple(self._quant_info["input"][0])
        self._kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        self.kernel_scale = self.add_weight(
            name="kernel_scale",
            shape=self._kernel_scale_shape(kernel_shape),
            initializer="ones",
            trainable=False,
        )

    def _int4_build(self, kernel_shape, config=None):
        self._set_quantization_info()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, None
        )
        self.quantization_axis = tuple(self._quant_info["input"][0])
        self.original_kernel_shape = tuple(kernel_shape)
        rows, columns = self._rows_columns(kernel_shape)
        block_size = get_block_size_for_layer(self, config)
        grouped = block_size is not None and block_size != -1
        self._int4_block_size = block_size if grouped else None
        self._int4_unpacked_column_size = columns
        self._int4_rows = rows
        self._kernel = self.add_weight(
            name="kernel",
            shape=(rows, (columns + 1) // 2),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        scale_shape = (math.ceil(rows / block_size), columns) if grouped else (columns,)
        self._add_int4_scale_weights("kernel", scale_shape, rows, block_size)

    # -- calls -----------------------------------------------------------------
    def _finish(self, inputs, x):
        if self.lora_enabled:
            lora_x = ops.einsum(self.equation, inputs, self.lora_kernel_a)
            x = self._add_lora(x, ops.matmul(lora_x, self.lora_kernel_b))
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def _int8_call(self, inputs, training=None):
        compute_dtype = self.compute_dtype
        gradient_equation = self._quant_info["gradient_equation"]

        @ops.custom_gradient
        def int8_einsum(inputs, kernel, kernel_scale):
            def grad(upstream):
                scale = self._scale_for_dequant(kernel_scale)
                float_kernel = ops.divide(ops.cast(kernel, compute_dtype), scale)
                return ops.einsum(gradient_equation, upstream, float_kernel), None, None

            if self.inputs_quantizer:
                inputs, inputs_scale = self.inputs_quantizer(
                    inputs, axis=self.quantization_axis
                )
                inputs_scale = self._scale_for_quant(inputs_scale, "input")
                x = ops.einsum(
                    self.equation,
                    ops.cast(inputs, "int32"),
                    ops.cast(kernel, "int32"),
                )
                x = ops.cast(x, compute_dtype)
                x = ops.divide(x, ops.multiply(inputs_scale, kernel_scale))
            else:
                x = ops.einsum(self.equation, inputs, kernel)
                x = ops.divide(ops.cast(x, compute_dtype), kernel_scale)
            return x, grad

        x = int8_einsum(
            inputs,
            ops.convert_to_tensor(self._kernel),
            ops.convert_to_tensor(self.kernel_scale),
        )
        return self._finish(inputs, x)

    def _int4_float_kernel(self):
        unpacked = quantizers.unpack_int4(
            ops.convert_to_tensor(self._kernel),
            self._int4_unpacked_column_size,
            axis=-1,
        )
        scale = ops.convert_to_tensor(self.kernel_scale)
        if self._int4_block_size is None:
            kernel = ops.divide(ops.cast(unpacked, self.compute_dtype), scale)
        else:
            kernel = quantizers.dequantize_with_sz_map(
                unpacked,
                scale,
                ops.convert_to_tensor(self.kernel_zero),
                ops.convert_to_tensor(self.g_idx),
                group_axis=0,
            )
            kernel = ops.cast(kernel, self.compute_dtype)
        return ops.reshape(kernel, self.original_kernel_shape)

    def _int4_call(self, inputs, training=None):
        float_kernel = ops.stop_gradient(self._int4_float_kernel())
        if self.inputs_quantizer and self._int4_block_size is None:
            gradient_equation = self._quant_info["gradient_equation"]

            @ops.custom_gradient
            def int4_einsum(inputs, float_kernel):
                def grad(upstream):
                    return ops.einsum(gradient_equation, upstream, float_kernel), None

                quantized, inputs_scale = self.inputs_quantizer(
                    inputs, axis=self.quantization_axis
                )
                inputs_scale = self._scale_for_quant(inputs_scale, "input")
                x = ops.einsum(self.equation, quantized, float_kernel)
                x = ops.divide(ops.cast(x, self.compute_dtype), inputs_scale)
                return x, grad

            x = int4_einsum(inputs, float_kernel)
        else:
            x = ops.einsum(self.equation, inputs, float_kernel)
        return self._finish(inputs, x)

    def _float8_call(self, inputs, training=None):
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        x = float8_contract(
            self, functools.partial(ops.einsum, self.equation), inputs, training
        )
        if self.bias is not None:
            x = ops.add(x, float8_bias(self))
        return self.activation(x) if self.activation is not None else x

    # -- quantize --------------------------------------------------------------
    def _quantize_kernel(self, kernel, mode, block_size):
        """`(values, scale, zero)` of a float kernel in the mode's layout."""
        if mode == "int8":
            values, scale = quantizers.abs_max_quantize(
                kernel, axis=tuple(self._quant_info["kernel"][0]), to_numpy=True
            )
            return values, self._scale_for_quant(scale, "kernel"), None
        rows, columns = self._rows_columns(tuple(kernel.shape))
        flat = ops.reshape(kernel, (rows, columns))
        if block_size is not None and block_size != -1:
            values, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                flat, block_size=block_size, to_numpy=True
            )
        else:
            values, scale = quantizers.abs_max_quantize(
                flat, axis=0, value_range=(-8, 7), to_numpy=True
            )
            scale, zero = ops.squeeze(scale, axis=0), None
        values, _, _ = quantizers.pack_int4(values, axis=-1)
        return values, scale, zero

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the built layer in place: "int8", "int4" or "float8"."""
        from kerasish.layers.attention.einsum_dense import EinsumDense

        if type_check and type(self) is not EinsumDense:
            raise self._not_implemented_error(self.quantize)
        if mode not in ("int8", "int4", "float8"):
            raise NotImplementedError(
                f"Layer '{self.name}' (EinsumDense): quantization mode {mode!r} is "
                "not implemented in kerasish (GPTQ and AWQ need calibration). Use "
                "'int8', 'int4' or 'float8'."
            )
        self.quantization_config = config
        kernel_shape = tuple(self._kernel.shape)
        if mode == "float8":
            self.quantized_build(kernel_shape, mode)
        else:
            self._set_quantization_info()
            block_size = (
                config.block_size
                if isinstance(config, Int4QuantizationConfig)
                else None
            )
            if mode == "int8":
                default = quantizers.AbsMaxQuantizer(
                    axis=tuple(self._quant_info["kernel"][0])
                )
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config, default
                )
                values, scale = quantizer(self._kernel.numpy(), to_numpy=True)
                scale, zero = self._scale_for_quant(scale, "kernel"), None
            else:
                values, scale, zero = self._quantize_kernel(
                    self._kernel.numpy(), mode, block_size
                )
            self._untrack_variable(self._kernel)
            del self._kernel
            self.quantized_build(kernel_shape, mode, config)
            self._kernel.assign(values)
            self.kernel_scale.assign(scale)
            if zero is not None:
                self.kernel_zero.assign(zero)
        self._set_quantized_policy(mode, config)

    # -- files -----------------------------------------------------------------
    @property
    def variable_serialization_spec(self):
        from kerasish.layers.core.dense_quantization import DenseQuantization

        return DenseQuantization.variable_serialization_spec.fget(self)

    def _merged_kernel(self):
        mode = self.quantization_mode
        if mode in (None, "float8"):
            return ops.convert_to_numpy(self.kernel), None, None
        zero = getattr(self, "kernel_zero", None)
        if not self.lora_enabled:
            return self._kernel.numpy(), self.kernel_scale.numpy(), zero
        if mode == "int4":
            base = self._int4_float_kernel()
        else:
            scale = self._scale_for_dequant(self.kernel_scale)
            base = ops.divide(ops.cast(self._kernel, "float32"), scale)
        delta = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        merged = ops.add(base, (self.lora_alpha / self.lora_rank) * delta)
        return self._quantize_kernel(
            merged, mode, getattr(self, "_int4_block_size", None)
        )

    def save_own_variables(self, store):
        """Keras's layout (see `Dense.save_own_variables`)."""
        from kerasish.layers.core.dense_quantization import DenseQuantization

        DenseQuantization.save_own_variables(self, store)

    def load_own_variables(self, store):
        from kerasish.layers.core.dense_quantization import DenseQuantization

        DenseQuantization.load_own_variables(self, store)
