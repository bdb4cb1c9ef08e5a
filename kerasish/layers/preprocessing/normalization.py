"""`Normalization`: `(inputs - mean) / sqrt(variance)`, statistics from `adapt`."""

import itertools
import math

import numpy as np

from kerasish import config, ops
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


def _first_of_batch(batch):
    # `adapt` accepts batches of `(x, y)` or `(x, y, sample_weight)`.
    return batch[0] if isinstance(batch, tuple) else batch


@register_builtin("layers")
class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance per feature:
    `outputs = (inputs - mean) / max(sqrt(variance), epsilon)`.

    The mean and variance are given (`mean=`, `variance=`) or computed from data
    with `adapt(data)`, which stores them as the non-trainable weights `mean`,
    `variance` and `count` (Keras's names and order; `count` stays 0 as in Keras).

    Args:
        axis: The axis or axes that keep separate statistics (the feature axes).
            `-1` (default): one mean per index of the last axis. `None`: one
            scalar mean and variance for all elements.
        mean: Mean value(s), broadcast to the kept axes. Needs `variance` too.
        variance: Variance value(s), broadcast to the kept axes.
        invert: If True, undoes the normalization:
            `outputs = mean + inputs * max(sqrt(variance), epsilon)`.

    Input shape: any, with known sizes on the kept axes. Output: same shape.

    Example:
    >>> layer = kerasish.layers.Normalization(axis=None)
    >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    >>> layer(np.array([1.0, 3.0]))
    Array([-1.4142135,  0.       ], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        else:
            try:
                axis = tuple(axis)
            except TypeError:
                raise TypeError(
                    f"Normalization: `axis` must be an int, a tuple of ints or None, "
                    f"got {axis!r}."
                ) from None
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise TypeError(
                    f"Normalization: `axis` must be an int, a tuple of ints or None, "
                    f"got {axis!r}."
                )
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and "
                f"`variance` must be set. Received: mean={mean!r}, "
                f"variance={variance!r}. Pass both, or neither and call `adapt()`."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. "
                    f"Received: mean shape {np.shape(mean)} and variance shape "
                    f"{np.shape(variance)}."
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of `mean` ({len(np.shape(mean))}) must "
                    f"be <= the number of kept axes ({len(self.axis)}). Received: "
                    f"mean shape {np.shape(mean)} for axis={self.axis}."
                )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._build_input_shape = None
        self._given_mean = None
        self._given_variance = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Layer '{self.name}' (Normalization): every `axis` value must be "
                f"in [-{ndim}, {ndim}) for inputs of rank {ndim}; got "
                f"axis={self.axis}, input shape {input_shape}."
            )
        self._build_input_shape = input_shape
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Layer '{self.name}' (Normalization): the kept axis {d} must "
                    f"have a known size; received input shape {input_shape} with "
                    f"axis={self.axis}. Give the Input a full shape."
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        )
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean",
                shape=self._mean_and_var_shape,
                initializer="zeros",
                trainable=False,
            )
            self.adapt_variance = self.add_weight(
                name="variance",
                shape=self._mean_and_var_shape,
                initializer="ones",
                trainable=False,
            )
            self.count = self.add_weight(
                name="count",
                shape=(),
                dtype="int32",
                initializer="zeros",
                trainable=False,
            )
        else:
            self._given_mean = self._broadcast_given(self.input_mean)
            self._given_variance = self._broadcast_given(self.input_variance)

    @property
    def mean(self):
        """The mean in the broadcast shape (`(1, features)` for `axis=-1`) and
        the compute dtype: the adapted weight, or the given `mean`. `None` until
        built, as in Keras."""
        return self._statistic(self._given_mean, "adapt_mean")

    @mean.setter
    def mean(self, value):
        self._given_mean = value

    @property
    def variance(self):
        """The variance, shaped and typed like `mean`."""
        return self._statistic(self._given_variance, "adapt_variance")

    @variance.setter
    def variance(self, value):
        self._given_variance = value

    def _statistic(self, given, weight):
        # Read from the weight each time, so `set_weights` and loading show here.
        if self.input_mean is not None or not self.built:
            return given
        value = ops.reshape(getattr(self, weight), self._broadcast_shape)
        return ops.cast(value, self.compute_dtype)

    def finalize_state(self):
        """Keras refreshes its cached statistics here; they are always current
        here, so this does nothing."""

    def _broadcast_given(self, value):
        # Trailing dimensions of `value` line up with the last kept axes.
        value = np.asarray(value, dtype="float64")
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        try:
            value = np.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"Layer '{self.name}' (Normalization): the given mean/variance of "
                f"shape {np.shape(self.input_mean)} cannot be broadcast to the kept "
                f"axes' shape {self._mean_and_var_shape} (axis={self.axis})."
            ) from None
        return value.astype(self.compute_dtype)

    def __call__(self, *args, **kwargs):
        if (
            not self.built
            and self.input_mean is None
            and args
            and not isinstance(args[0], KerasTensor)
        ):
            raise ValueError(
                f"Layer '{self.name}' (Normalization) was called before `adapt()`, "
                "and no `mean`/`variance` were given, so it has no statistics. "
                "Call `layer.adapt(data)` first, or pass `mean=` and `variance=`."
            )
        return super().__call__(*args, **kwargs)

    def adapt(self, data):
        """Computes the mean and variance of `data` over the non-kept axes.

        Args:
            data: A numpy array or engine tensor, or an iterable of batches
                (a list of arrays, a generator; `(x, y)` tuples use `x`).
        """
        if isinstance(data, np.ndarray) or ops.is_tensor(data):
            batches = None
            input_shape = tuple(data.shape)
            if math.prod(input_shape) == 0:
                raise ValueError(
                    f"Layer '{self.name}' (Normalization): adapt() received empty "
                    f"data of shape {input_shape}. Pass at least one sample."
                )
        elif hasattr(data, "__iter__") and not isinstance(data, str | bytes | dict):
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError(
                    f"Layer '{self.name}' (Normalization): adapt() received an empty "
                    "iterable (no batches). Pass an array, or a non-empty iterable "
                    "of batches, e.g. `layer.adapt([x])`."
                )
            first = _first_of_batch(first)
            if not hasattr(first, "shape"):
                first = np.asarray(first)
            input_shape = tuple(first.shape)
            batches = itertools.chain([first], iterator)
        else:
            raise TypeError(
                f"Layer '{self.name}' (Normalization): adapt() expects a numpy "
                "array, a tensor, or an iterable of batches, got "
                f"{type(data).__name__}."
            )
        if not self.built:
            self.build(input_shape)
        if self.input_mean is not None:
            raise ValueError(
                f"Layer '{self.name}' (Normalization) was given `mean` and "
                "`variance`; it cannot also be adapted. Create it without them."
            )
        self._check_shape(input_shape)
        if batches is None:
            array = np.asarray(ops.convert_to_numpy(data), dtype="float64")
            mean = array.mean(axis=self._reduce_axis)
            var = array.var(axis=self._reduce_axis)
        else:
            mean, var = self._streaming_moments(batches)
        self.adapt_mean.assign(np.asarray(mean, dtype=self.variable_dtype))
        self.adapt_variance.assign(np.asarray(var, dtype=self.variable_dtype))

    def _check_shape(self, shape):
        for d in self._keep_axis:
            if len(shape) != len(self._build_input_shape) or (
                shape[d] != self._build_input_shape[d]
            ):
                raise ValueError(
                    f"Layer '{self.name}' (Normalization) was built for input "
                    f"shape {self._build_input_shape}, but adapt() received data "
                    f"of shape {tuple(shape)} (axis={self.axis})."
                )

    def _streaming_moments(self, batches):
        # Chan et al.'s pairwise update: weight each batch by its element count.
        total_mean = np.zeros(self._mean_and_var_shape)
        total_var = np.zeros(self._mean_and_var_shape)
        total_count = 0
        for batch in batches:
            batch = np.asarray(
                ops.convert_to_numpy(_first_of_batch(batch)), dtype="float64"
            )
            self._check_shape(batch.shape)
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            if count == 0:
                continue
            batch_mean = batch.mean(axis=self._reduce_axis)
            batch_var = batch.var(axis=self._reduce_axis)
            total_count += count
            w = count / total_count
            new_mean = total_mean * (1 - w) + batch_mean * w
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - w) + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * w
            total_mean = new_mean
        if total_count == 0:
            raise ValueError(
                f"Layer '{self.name}' (Normalization): adapt() received only empty "
                "batches. Pass at least one sample."
            )
        return total_mean, total_var

    def call(self, inputs):
        dtype = self.compute_dtype
        if self.input_mean is None:
            mean = ops.cast(ops.reshape(self.adapt_mean, self._broadcast_shape), dtype)
            variance = ops.cast(
                ops.reshape(self.adapt_variance, self._broadcast_shape), dtype
            )
        else:
            mean = ops.convert_to_tensor(self.mean, dtype)
            variance = ops.convert_to_tensor(self.variance, dtype)
        inputs = ops.cast(inputs, dtype)
        scale = ops.maximum(ops.sqrt(variance), config.epsilon())
        if self.invert:
            return mean + inputs * scale
        return (inputs - mean) / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }
