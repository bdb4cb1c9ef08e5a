"""The quantization hooks of `Layer`, as Keras 3 has them.

A layer is quantized when its dtype policy is a quantized one
(`"int8_from_float32"`, ...). `layer.quantize(mode)` converts a built float layer
(layers that support it override `quantize` and `quantized_build`);
`quantized_call` then replaces `call`, dispatching to `_int8_call`,
`_int4_call`, `_float8_call`, ... Setting a quantized policy on a built float
layer quantizes it.
"""

import functools

from kerasish.mixed_precision import policy as policy_lib
from kerasish.mixed_precision.quantized_policy import QUANTIZATION_MODES


def wrap_quantize(quantize):
    """Validates and resolves `quantize`'s arguments once, before the layer's
    own `quantize` runs (Keras does the same in `Layer.__new__`)."""

    @functools.wraps(quantize)
    def wrapped(self, mode=None, type_check=True, config=None, **kwargs):
        if getattr(self, "_in_quantize", False):
            return quantize(self, mode, type_check=type_check, config=config, **kwargs)
        from kerasish.quantizers.quantization_config import (
            validate_and_resolve_config,
        )

        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        self._check_quantize_args(mode, self.compute_dtype)
        object.__setattr__(self, "_in_quantize", True)
        try:
            return quantize(self, mode, type_check=type_check, config=config, **kwargs)
        finally:
            object.__setattr__(self, "_in_quantize", False)

    wrapped._validates_arguments = True
    return wrapped


class LayerQuantization:
    """`quantize`, `quantized_build`, `quantized_call` and the dtype policy
    property that ties them together."""

    @property
    def dtype_policy(self):
        """The layer's `DTypePolicy` (a quantized one once quantized)."""
        policy = self._dtype_policy
        if isinstance(policy, policy_lib.DTypePolicyMap) and self.path:
            return policy[self.path]
        return policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = policy_lib.get(value)
        object.__setattr__(self, "_dtype_policy", policy)
        mode = policy.quantization_mode
        built = getattr(self, "built", False)
        if mode is not None and built and not getattr(self, "_is_quantized", False):
            if mode in ("gptq", "awq"):
                raise ValueError(
                    f"Implicitly enabling {mode.upper()} quantization by setting "
                    f"`dtype_policy` to '{policy.name}' is not supported: it needs "
                    f"a calibration dataset. Use `.quantize('{mode}', config=...)`."
                )
            self.quantize(mode)

    @property
    def quantization_mode(self):
        """The quantization mode of this layer, `None` if not quantized."""
        return self.dtype_policy.quantization_mode

    def quantized_build(self, input_shape, mode):
        raise self._not_implemented_error(self.quantized_build)

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the built layer's weights in place (`mode` "int8", "int4",
        "float8"; or a `QuantizationConfig` as `config`). Layers that support it
        override this."""
        raise self._not_implemented_error(self.quantize)

    def _check_quantize_args(self, mode, compute_dtype):
        if not self.built:
            raise ValueError(
                "Cannot quantize a layer that isn't yet built. Layer "
                f"'{self.name}' (of type '{type(self).__name__}') is not built "
                "yet. Call it on data or `build(input_shape)` first."
            )
        if getattr(self, "_is_quantized", False):
            raise ValueError(
                f"Layer '{self.name}' is already quantized with dtype_policy="
                f"'{self.dtype_policy.name}'. Received: mode={mode}. A layer is "
                "quantized once; quantize a fresh float copy instead."
            )
        if mode not in QUANTIZATION_MODES:
            raise ValueError(
                f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                f"Received: mode={mode}"
            )
        if mode == "int8" and compute_dtype == "float16":
            raise ValueError(
                f"Quantization mode='{mode}' doesn't work well with compute_dtype="
                "'float16'. Consider loading model/layer with another dtype "
                "policy such as 'mixed_bfloat16' or 'mixed_float16' before "
                "calling `quantize()`."
            )

    def _set_quantized_policy(self, mode, config):
        """After `quantize(mode)`: the policy becomes `"<mode>_from_<policy>"`
        (`"int4/<block size>_from_..."` for int4), unless it is quantized already."""
        from kerasish.quantizers.quantization_config import get_block_size_for_layer

        if self.dtype_policy.quantization_mode is not None:
            return
        name = mode
        if mode == "int4":
            block_size = get_block_size_for_layer(self, config)
            name = f"int4/{-1 if block_size is None else block_size}"
        self.dtype_policy = f"{name}_from_{self.dtype_policy.name}"

    def _add_lora(self, x, delta):
        """`x + (lora_alpha / lora_rank) * delta`, in the compute dtype."""
        from kerasish import ops

        x = ops.add(x, (self.lora_alpha / self.lora_rank) * delta)
        return ops.cast(x, self.compute_dtype)

    def quantized_call(self, *args, **kwargs):
        """`call` for a quantized layer: the mode's `_<mode>_call`."""
        mode = self.quantization_mode
        if mode not in QUANTIZATION_MODES:
            raise self._quantization_mode_error(mode)
        return getattr(self, f"_{mode}_call")(*args, **kwargs)

    def _int8_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._int8_call)

    def _int4_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._int4_call)

    def _float8_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._float8_call)

    def _gptq_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._gptq_call)

    def _awq_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._awq_call)

    def _not_implemented_error(self, attr, msg=None):
        name = attr.__name__ if callable(attr) else str(attr)
        kind = "method" if callable(attr) else "attribute"
        msg = f" {msg}" if msg is not None else ""
        return NotImplementedError(
            f"Layer {type(self).__name__} does not have a `{name}` {kind} "
            f"implemented.{msg}"
        )

    def _quantization_mode_error(self, mode):
        return NotImplementedError(
            f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
            f"Received: quantization_mode={mode}"
        )

    def _add_int4_scale_weights(self, prefix, scale_shape, length, block_size):
        """`{prefix}_scale` and, when grouped (`block_size > 0`), the int8
        `{prefix}_zero` and the `g_idx` group index of each of `length` rows,
        as Keras's int4 layers hold them."""
        setattr(
            self,
            f"{prefix}_scale",
            self.add_weight(
                name=f"{prefix}_scale",
                shape=scale_shape,
                initializer="ones",
                trainable=False,
            ),
        )
        if not (block_size is not None and block_size > 0):
            return
        setattr(
            self,
            f"{prefix}_zero",
            self.add_weight(
                name=f"{prefix}_zero",
                shape=scale_shape,
                initializer="zeros",
                dtype="int8",
                trainable=False,
            ),
        )

        def group_index(shape, dtype=None):
            from kerasish import ops

            return ops.cast(ops.floor_divide(ops.arange(length), block_size), "float32")

        self.g_idx = self.add_weight(
            name="g_idx",
            shape=(length,),
            initializer=group_index,
            dtype="float32",
            trainable=False,
        )

    def _untrack_variable(self, variable):
        """Forgets `variable` (a weight replaced by its quantized form)."""
        for own in (self._trainable_variables, self._non_trainable_variables):
            own[:] = [v for v in own if v is not variable]
