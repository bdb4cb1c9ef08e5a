"""LoRA and quantization for `Dense` (Keras 3's semantics, weights and files).

LoRA: `kernel + (lora_alpha / lora_rank) * (lora_kernel_a @ lora_kernel_b)`, with
the base kernel frozen and only `lora_kernel_a`/`lora_kernel_b` (and the bias)
training. Files hold the merged kernel, so a LoRA layer saves as a plain one.

Quantization (scales are multiplicative, `w ~ q / scale`):

- "int8": kernel int8 with one scale per output unit; inputs quantized per row by
  `AbsMaxQuantizer`; `y = (q_in @ q_kernel) / (in_scale * kernel_scale)`.
- "int4": kernel int4 packed two per byte along the units axis; with
  `block_size` (default 128) groups of rows get an asymmetric scale and zero
  point (`w ~ (q - zero) * scale`); with `block_size=None` one symmetric scale per
  unit.
- "float8": the kernel stays float; inputs and kernel pass through float8
  (e4m3) quantize-dequantize with delayed scales kept in `*_scale` and
  `*_amax_history` variables.
"""

import math

from kerasish import initializers, ops
from kerasish.layers.layer import current_training
from kerasish.quantizers import quantizers
from kerasish.quantizers.quantization_config import (
    Int4QuantizationConfig,
    QuantizationConfig,
    get_block_size_for_layer,
)

FLOAT8_E4M3_MAX = 448.0
FLOAT8_E5M2_MAX = 57344.0


def check_enable_lora(layer, constraint):
    """Keras's preconditions of `enable_lora`."""
    if constraint:
        raise ValueError(
            "Lora is incompatible with kernel constraints. In order to enable lora "
            f"on layer '{layer.name}', remove the `kernel_constraint` argument."
        )
    if not layer.built:
        raise ValueError(
            f"Cannot enable lora on a layer that isn't yet built: layer "
            f"'{layer.name}' ({type(layer).__name__}). Build it (call it once or "
            "`build(input_shape)`) first."
        )
    if layer.lora_enabled:
        raise ValueError(
            f"lora is already enabled on layer '{layer.name}'. This can only be "
            "done once per layer."
        )
    if layer.quantization_mode in ("gptq", "awq"):
        raise NotImplementedError(
            f"lora is not currently supported with {layer.quantization_mode} "
            "quantization."
        )


def add_lora_weights(layer, names, shapes, initializers_, regularizer):
    a_name, b_name = names
    a = layer.add_weight(
        name=a_name,
        shape=shapes[0],
        initializer=initializers.get(initializers_[0]),
        dtype="float32",
        regularizer=regularizer,
    )
    b = layer.add_weight(
        name=b_name,
        shape=shapes[1],
        initializer=initializers.get(initializers_[1]),
        dtype="float32",
        regularizer=regularizer,
    )
    return a, b


def finish_enable_lora(layer, frozen, rank, lora_alpha):
    """The end of every `enable_lora`: the base weight `frozen` stops
    training, and the layer records LoRA's rank and scale numerator."""
    frozen.trainable = False
    layer.lora_enabled = True
    layer.lora_rank = rank
    layer.lora_alpha = lora_alpha if lora_alpha is not None else rank


def float8_build(layer):
    """The six float32 variables of float8 delayed scaling (trainable, as in
    Keras, so they are counted and saved alike)."""
    length = getattr(layer.dtype_policy, "amax_history_length", 1024)
    for prefix in ("inputs", "kernel", "outputs_grad"):
        scale = layer.add_weight(
            name=f"{prefix}_scale",
            shape=(),
            initializer="ones",
            dtype="float32",
            autocast=False,
            overwrite_with_gradient=True,
        )
        history = layer.add_weight(
            name=f"{prefix}_amax_history",
            shape=(length,),
            initializer="zeros",
            dtype="float32",
            autocast=False,
            overwrite_with_gradient=True,
        )
        setattr(layer, f"{prefix}_scale", scale)
        setattr(layer, f"{prefix}_amax_history", history)


def float8_contract(layer, contract, inputs, training=None):
    """`contract(inputs, kernel)` through float8, with Keras's delayed scaling.

    Inputs and kernel are quantize-dequantized in e4m3 with their stored
    scales, the output's gradient in e5m2. In training, the "gradients" of the
    scale and amax-history variables are their next values (the scale from
    the history's max, the history rolled with this step's `max|x|`): the
    variables have `overwrite_with_gradient`, so the optimizer writes them as
    they are, as Keras's does.
    """
    if training is None:
        training = current_training()
    dtype = layer.compute_dtype

    def value(name):
        return ops.convert_to_tensor(getattr(layer, name))

    @ops.custom_gradient
    def qdq_forward(x, scale, amax_history):
        new_scale = new_history = None
        if training:
            new_scale = quantizers.compute_float8_scale(
                ops.max(amax_history, axis=0), scale, FLOAT8_E4M3_MAX
            )
            new_history = quantizers.compute_float8_amax_history(x, amax_history)
        out = quantizers.quantize_and_dequantize(x, scale, "float8_e4m3fn", dtype)

        def grad(upstream):
            return upstream, new_scale, new_history

        return out, grad

    @ops.custom_gradient
    def qdq_backward(y, scale, amax_history):
        def grad(upstream):
            new_scale = quantizers.compute_float8_scale(
                ops.max(amax_history, axis=0), scale, FLOAT8_E5M2_MAX
            )
            qdq = quantizers.quantize_and_dequantize(
                upstream, scale, "float8_e5m2", dtype
            )
            new_history = quantizers.compute_float8_amax_history(upstream, amax_history)
            return qdq, new_scale, new_history

        return y, grad

    x = contract(
        qdq_forward(inputs, value("inputs_scale"), value("inputs_amax_history")),
        qdq_forward(
            value("_kernel"), value("kernel_scale"), value("kernel_amax_history")
        ),
    )
    # Right after the contraction, as Keras places it (XLA's gemm rewrite).
    return qdq_backward(
        x, value("outputs_grad_scale"), value("outputs_grad_amax_history")
    )


def float8_bias(layer):
    bias = ops.convert_to_tensor(layer.bias)
    if layer.compute_dtype == "float32":
        # As Keras: the bias is rounded through bfloat16 in float8 mode.
        bias = ops.cast(ops.cast(bias, "bfloat16"), bias.dtype)
    return bias


def int_matmul(x, kernel):
    """`x @ kernel` for int8 operands, accumulated exactly in int32."""
    return ops.matmul(ops.cast(x, "int32"), ops.cast(kernel, "int32"))


class DenseQuantization:
    """`Dense`'s `kernel` property, `enable_lora`, `quantize` and the quantized
    builds, calls and variable files."""

    @property
    def kernel(self):
        """The effective float kernel: dequantized layouts are unpacked, and a
        LoRA delta is added. Before quantization and LoRA, the `kernel`
        variable itself."""
        if not self.built:
            raise AttributeError(
                f"Layer '{self.name}' (Dense): you must build the layer before "
                "accessing `kernel`."
            )
        kernel = self._kernel
        if self.quantization_mode == "int4":
            kernel = quantizers.unpack_int4(kernel, self._orig_output_dim, axis=-1)
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
        """Freezes the kernel and adds trainable `lora_kernel_a` `(input_dim,
        rank)` and `lora_kernel_b` `(rank, units)`; the kernel becomes
        `kernel + (lora_alpha / rank) * a @ b` (`lora_alpha` defaults to `rank`).
        """
        check_enable_lora(self, self.kernel_constraint)
        if self.quantization_mode == "int4":
            input_dim = self._orig_input_dim
        else:
            input_dim = self._kernel.shape[0]
        self.lora_kernel_a, self.lora_kernel_b = add_lora_weights(
            self,
            ("lora_kernel_a", "lora_kernel_b"),
            ((input_dim, rank), (rank, self.units)),
            (a_initializer, b_initializer),
            self.kernel_regularizer,
        )
        finish_enable_lora(self, self._kernel, rank, lora_alpha)

    # -- quantization ----------------------------------------------------------
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
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer()
        )
        self._kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        self.kernel_scale = self.add_weight(
            name="kernel_scale",
            shape=(self.units,),
            initializer="ones",
            trainable=False,
        )

    def _int4_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, None
        )
        input_dim, output_dim = kernel_shape
        # (input_dim, ceil(units / 2)): two int4 values per int8 byte.
        self._kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, (output_dim + 1) // 2),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        block_size = get_block_size_for_layer(self, config)
        self._int4_block_size = block_size
        grouped = block_size is not None and block_size > 0
        scale_shape = (
            (math.ceil(input_dim / block_size), self.units)
            if grouped
            else (self.units,)
        )
        self._add_int4_scale_weights("kernel", scale_shape, input_dim, block_size)
        self._orig_input_dim = input_dim
        self._orig_output_dim = output_dim

    def _finish(self, x):
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def _lora_output(self, inputs, x):
        if not self.lora_enabled:
            return x
        lora_x = ops.matmul(ops.matmul(inputs, self.lora_kernel_a), self.lora_kernel_b)
        return self._add_lora(x, lora_x)

    def _int8_call(self, inputs, training=None):
        compute_dtype = self.compute_dtype

        @ops.custom_gradient
        def int8_matmul(inputs, kernel, kernel_scale):
            def grad(upstream):
                float_kernel = ops.divide(ops.cast(kernel, compute_dtype), kernel_scale)
                return ops.matmul(upstream, ops.transpose(float_kernel)), None, None

            output_scale = kernel_scale
            if self.inputs_quantizer:
                inputs, inputs_scale = self.inputs_quantizer(inputs, axis=-1)
                output_scale = ops.multiply(output_scale, inputs_scale)
                x = int_matmul(inputs, kernel)
            else:
                x = ops.matmul(inputs, kernel)
            x = ops.divide(ops.cast(x, compute_dtype), output_scale)
            return x, grad

        x = int8_matmul(
            inputs,
            ops.convert_to_tensor(self._kernel),
            ops.convert_to_tensor(self.kernel_scale),
        )
        return self._finish(self._lora_output(inputs, x))

    def _int4_call(self, inputs, training=None):
        compute_dtype = self.compute_dtype
        block_size = getattr(self, "_int4_block_size", None)
        unpacked = quantizers.unpack_int4(
            ops.convert_to_tensor(self._kernel), self._orig_output_dim, axis=-1
        )
        scale = ops.convert_to_tensor(self.kernel_scale)
        if block_size is None or block_size == -1:

            @ops.custom_gradient
            def int4_matmul(inputs, kernel, kernel_scale):
                def grad(upstream):
                    float_kernel = ops.divide(
                        ops.cast(kernel, compute_dtype), kernel_scale
                    )
                    return ops.matmul(upstream, ops.transpose(float_kernel)), None, None

                output_scale = kernel_scale
                if self.inputs_quantizer:
                    inputs, inputs_scale = self.inputs_quantizer(inputs, axis=-1)
                    output_scale = ops.multiply(output_scale, inputs_scale)
                    x = int_matmul(inputs, kernel)
                else:
                    x = ops.matmul(inputs, kernel)
                return ops.divide(ops.cast(x, compute_dtype), output_scale), grad

            x = int4_matmul(inputs, unpacked, scale)
        else:
            float_kernel = quantizers.dequantize_with_sz_map(
                unpacked,
                scale,
                ops.convert_to_tensor(self.kernel_zero),
                ops.convert_to_tensor(self.g_idx),
                group_axis=0,
            )
            float_kernel = ops.stop_gradient(ops.cast(float_kernel, compute_dtype))
            x = ops.matmul(inputs, float_kernel)
        return self._finish(self._lora_output(inputs, x))

    def _float8_call(self, inputs, training=None):
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        x = float8_contract(self, ops.matmul, inputs, training)
        if self.bias is not None:
            x = ops.add(x, float8_bias(self))
        return self.activation(x) if self.activation is not None else x

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the built layer in place: "int8", "int4" or "float8" (or a
        `QuantizationConfig`); the dtype policy becomes e.g.
        `"int8_from_float32"`."""
        from kerasish.layers.core.dense import Dense

        if type_check and type(self) is not Dense:
            raise self._not_implemented_error(self.quantize)
        self.quantization_config = config
        kernel_shape = tuple(self._kernel.shape)
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=0)
            )
            values, scale = quantizer(self._kernel.numpy(), to_numpy=True)
            self._replace_kernel(kernel_shape, mode, config)
            self._kernel.assign(values)
            self.kernel_scale.assign(ops.squeeze(scale, axis=0))
        elif mode == "int4":
            block_size = (
                config.block_size
                if isinstance(config, Int4QuantizationConfig)
                else None
            )
            zero = None
            if block_size is None or block_size == -1:
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config,
                    quantizers.AbsMaxQuantizer(
                        axis=0, value_range=(-8, 7), output_dtype="int8"
                    ),
                )
                values, scale = quantizer(self._kernel.numpy(), to_numpy=True)
                scale = ops.squeeze(scale, axis=0)
            else:
                values, scale, zero = (
                    quantizers.abs_max_quantize_grouped_with_zero_point(
                        self._kernel.numpy(), block_size=block_size, to_numpy=True
                    )
                )
            packed, _, _ = quantizers.pack_int4(values, axis=-1)
            self._replace_kernel(kernel_shape, mode, config)
            self._kernel.assign(packed)
            self.kernel_scale.assign(scale)
            if zero is not None:
                self.kernel_zero.assign(zero)
        elif mode == "float8":
            self.quantized_build(kernel_shape, mode)
        else:
            raise NotImplementedError(
                f"Layer '{self.name}' (Dense): quantization mode {mode!r} is not "
                "implemented in kerasish (GPTQ and AWQ need calibration). Use "
                "'int8', 'int4' or 'float8'."
            )
        self._set_quantized_policy(mode, config)

    def _replace_kernel(self, kernel_shape, mode, config):
        self._untrack_variable(self._kernel)
        del self._kernel
        self.quantized_build(kernel_shape, mode, config)

    # -- files -----------------------------------------------------------------
    @property
    def variable_serialization_spec(self):
        """The variables each mode saves, in file order (`None`: float)."""
        return {
            None: ["kernel", "bias"],
            "int8": ["kernel", "bias", "kernel_scale"],
            "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
            "float8": [
                "kernel",
                "bias",
                "inputs_scale",
                "inputs_amax_history",
                "kernel_scale",
                "kernel_amax_history",
                "outputs_grad_scale",
                "outputs_grad_amax_history",
            ],
        }

    def _merged_kernel(self):
        """`(kernel, kernel_scale, kernel_zero)` with LoRA merged in: a float
        kernel, or the re-quantized kernel of a quantized layer."""
        mode = self.quantization_mode
        if mode in (None, "float8"):
            kernel = self.kernel
            return (kernel.numpy() if hasattr(kernel, "numpy") else kernel), None, None
        zero = getattr(self, "kernel_zero", None)
        if not self.lora_enabled:
            return self._kernel.numpy(), self.kernel_scale.numpy(), zero
        block_size = getattr(self, "_int4_block_size", None)
        grouped = mode == "int4" and block_size is not None and block_size > 0
        if mode == "int4":
            unpacked = quantizers.unpack_int4(self._kernel, self._orig_output_dim, -1)
            if grouped:
                base = quantizers.dequantize_with_sz_map(
                    unpacked, self.kernel_scale, self.kernel_zero, self.g_idx, 0
                )
            else:
                base = ops.divide(ops.cast(unpacked, "float32"), self.kernel_scale)
        else:
            base = ops.divide(ops.cast(self._kernel, "float32"), self.kernel_scale)
        delta = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        merged = ops.add(base, (self.lora_alpha / self.lora_rank) * delta)
        zero = None
        if grouped:
            values, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                merged, block_size=block_size, to_numpy=True
            )
        else:
            value_range = (-8, 7) if mode == "int4" else (-127, 127)
            values, scale = quantizers.abs_max_quantize(
                merged, axis=0, value_range=value_range, to_numpy=True
            )
            scale = ops.squeeze(scale, axis=0)
        if mode == "int4":
            values, _, _ = quantizers.pack_int4(values, axis=-1)
        return values, scale, zero

    def save_own_variables(self, store):
        """Saves Keras's layout: the spec's variables, the kernel with any LoRA
        delta merged (and re-quantized for int8 / int4)."""
        if not self.built:
            return
        mode = self.quantization_mode
        if mode not in self.variable_serialization_spec:
            raise self._quantization_mode_error(mode)
        kernel, scale, zero = self._merged_kernel()
        index = 0
        for name in self.variable_serialization_spec[mode]:
            if name == "kernel":
                value = kernel
            elif name == "kernel_scale" and mode in ("int8", "int4"):
                value = scale
            elif name == "kernel_zero":
                if zero is None:
                    continue
                value = zero
            else:
                variable = getattr(self, name, None)
                if variable is None:
                    continue
                value = variable
            store[str(index)] = ops.convert_to_numpy(value)
            index += 1

    def load_own_variables(self, store):
        """Loads `save_own_variables`' layout; LoRA factors restart at zero
        (their delta is already in the saved kernel)."""
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
            if n == "kernel" or getattr(self, n, None) is not None
        ]
        for index, name in enumerate(names):
            target = self._kernel if name == "kernel" else getattr(self, name)
            target.assign(store[str(index)])
        if self.lora_enabled:
            self.lora_kernel_a.assign(ops.zeros(self.lora_kernel_a.shape))
            self.lora_kernel_b.assign(ops.zeros(self.lora_kernel_b.shape))


def lora_config(layer):
    """The LoRA entries of a config: present only when `lora_rank` is set."""
    if not layer.lora_rank:
        return {}
    return {"lora_rank": layer.lora_rank, "lora_alpha": layer.lora_alpha}
