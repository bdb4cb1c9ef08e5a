"""`EinsumDense`: a dense layer whose product with the kernel is an einsum."""

import re

from kerasish import (
    activations,
    constraints,
    initializers,
    ops,
    quantizers,
    regularizers,
)
from kerasish.initializers.random_initializers import VarianceScaling
from kerasish.layers.attention.einsum_dense_quantization import (
    EinsumDenseQuantization,
)
from kerasish.layers.core.dense_quantization import lora_config
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin, serialize_keras_object

_FORMS = (
    # (pattern, elided side)
    (re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), None),
    (re.compile(r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$"), "left"),
    (re.compile(r"^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$"), "right"),
)


def _parse(equation):
    eq = equation.replace(" ", "")
    for pattern, side in _FORMS:
        match = pattern.match(eq)
        if match:
            return match.group(1), match.group(2), match.group(3), side
    raise ValueError(
        f"EinsumDense: invalid einsum equation {equation!r}. Equations must have "
        "the form 'X,Y->Z', '...X,Y->...Z' or 'X...,Y->Z...' (letters only), e.g. "
        "'ab,bc->ac'."
    )


def analyze_equation(equation, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape, full output shape, kernel input/output axes.

    `output_shape` gives the output's sizes without the batch axis (None for a
    size taken from the input); `bias_axes` is a string of output letters or None.
    """
    in_spec, w_spec, out_spec, side = _parse(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (side is None and elided):
        raise ValueError(
            f"EinsumDense: equation {equation!r} expects inputs of rank "
            f"{len(in_spec)}, got input shape {input_shape}."
        )
    partial = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full = [input_shape[0], *partial]
    if side == "left":
        full[1:1] = list(input_shape[1:elided])
    elif side == "right":
        full.extend(input_shape[len(input_shape) - elided :])
    if side == "left":
        in_pos = {c: elided + i for i, c in enumerate(in_spec)}
        out_pos = {c: elided + i for i, c in enumerate(out_spec)}
    else:
        in_pos = {c: i for i, c in enumerate(in_spec)}
        out_pos = {c: i for i, c in enumerate(out_spec)}
    if len(full) != len(out_spec) + elided:
        expected = len(out_spec) - (0 if side == "left" else 1)
        raise ValueError(
            f"EinsumDense: `output_shape` {tuple(partial)} does not match the output "
            f"spec '{out_spec}' of {equation!r}: expected {expected} sizes (the "
            "output's axes outside the batch axis and the ellipsis)."
        )
    for c in in_spec:
        if c in out_pos:
            # As Keras, an output size left None stays None (the layer's
            # output shape says `(None, None, 16)` for "abc,cd->abd").
            size_in, size_out = input_shape[in_pos[c]], full[out_pos[c]]
            if size_out is not None and size_in is not None and size_in != size_out:
                raise ValueError(
                    f"EinsumDense: input and output disagree on shared axis '{c}' "
                    f"of {equation!r}: input size {size_in}, output size {size_out}."
                )
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(
                f"EinsumDense: output axis '{c}' of {equation!r} appears in neither "
                "the input nor the kernel spec."
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_pos:
            kernel_shape.append(full[out_pos[c]])
            output_axes.append(i)
        elif c in in_pos:
            kernel_shape.append(input_shape[in_pos[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"EinsumDense: kernel axis '{c}' of {equation!r} matches neither an "
                "input nor an output axis; the kernel must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(
                    f"EinsumDense: bias axis '{c}' is not an axis of the output spec "
                    f"'{out_spec}' of {equation!r}."
                )
        first = min(out_spec.index(c) for c in bias_axes)
        bias_shape = [
            full[out_pos[c]] if c in bias_axes else 1 for c in out_spec[first:]
        ]
        if side == "right":
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, tuple(full), input_axes, output_axes


@register_builtin("layers")
class EinsumDense(EinsumDenseQuantization, Layer):
    """A dense layer of any rank: `activation(einsum(equation, inputs, kernel) +
    bias)`, where the kernel's shape follows from the equation, the input shape and
    `output_shape`.

    Args:
        equation: Einsum equation 'X,Y->Z' (input, kernel, output letters), with
            an optional ellipsis on the left or right of the input and output.
        output_shape: The output's shape without the batch axis; `None` entries
            take the input's size (an int for a 1D output).
        activation: Activation name or callable. Defaults to `None`.
        bias_axes: Letters of the output axes the bias varies over, or None for
            no bias.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, kernel_constraint, bias_constraint: As in `Dense`.
        lora_rank, lora_alpha: LoRA at build, as in `Dense` (see `enable_lora`).
        gptq_unpacked_column_size: Kept in the config for Keras's GPTQ files.
        quantization_config: The `QuantizationConfig` a quantized policy builds
            with.

    Input shape: as the equation's input. Output shape: `(batch, *output_shape)`.

    Example:
    >>> layer = kerasish.layers.EinsumDense("ab,bc->ac", output_shape=4)
    >>> layer(np.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(
                f"EinsumDense: `equation` must be a string, got {equation!r}."
            )
        _parse(equation)
        self.equation = equation
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            output_shape = (output_shape,)
        if not isinstance(output_shape, list | tuple) or any(
            d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0)
            for d in output_shape
        ):
            raise ValueError(
                "EinsumDense: `output_shape` must be an int or a tuple of positive "
                f"ints / None, got {output_shape!r}."
            )
        self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self.quantization_config = quantization_config

    def _kernel_init(self, input_axes, output_axes):
        init = self.kernel_initializer
        # Fans of a multi-axis kernel come from the einsum's input/output axes.
        if isinstance(init, VarianceScaling) and init.input_axes is None:
            seed = getattr(init, "_init_seed", None)
            return VarianceScaling(
                scale=init.scale,
                mode=init.mode,
                distribution=init.distribution,
                seed=init.seed if seed is not None else None,
                input_axes=input_axes,
                output_axes=output_axes,
            )
        return init

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_equation(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        if any(d is None for d in kernel_shape):
            raise ValueError(
                f"Layer '{self.name}' (EinsumDense): the kernel shape "
                f"{tuple(kernel_shape)} of {self.equation!r} has unknown sizes for "
                f"input shape {tuple(input_shape)}; give the input's contracted "
                "axes and the output's new axes known sizes."
            )
        self.input_spec = InputSpec(ndim=len(input_shape))
        if self.quantization_mode:
            self.quantized_build(
                tuple(kernel_shape), self.quantization_mode, self.quantization_config
            )
        if self.quantization_mode not in ("int8", "int4"):
            self._kernel = self.add_weight(
                name="kernel",
                shape=tuple(kernel_shape),
                initializer=self._kernel_init(input_axes, output_axes),
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def call(self, inputs):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return analyze_equation(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )[2]

    def get_config(self):
        config = {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": serialize_keras_object(self.quantization_config),
            **lora_config(self),
        }
        if self.gptq_unpacked_column_size:
            config["gptq_unpacked_column_size"] = self.gptq_unpacked_column_size
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["quantization_config"] = quantizers.deserialize(
            config.get("quantization_config")
        )
        return super().from_config(config)
