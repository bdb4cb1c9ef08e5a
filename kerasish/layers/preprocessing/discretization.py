"""`Discretization`: buckets continuous values by bin boundaries."""

import numpy as np

from kerasish import config, ops
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.serialization import register_builtin

MODES = ("int", "one_hot", "multi_hot", "count")


def _summarize(values, epsilon):
    """An approximate quantile summary `[values; weights]` of a batch: every
    `step`-th sorted value, each standing for `step` elements."""
    values = np.sort(np.reshape(values, [-1]))
    # `size / (1 / epsilon)`, not `size * epsilon`: the same rounding as Keras.
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1) :: int(step)]
    return np.stack([kept, np.full_like(kept, step)])


def _compress(summary, epsilon):
    # Re-sample the summary at the `epsilon`-spaced cumulative-weight quantiles.
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_values = np.interp(percents, cum_percents, summary[0])
    new_cum = np.interp(percents, cum_percents, cum_weights)
    new_weights = new_cum - np.concatenate(([0.0], new_cum[:-1]))
    return np.stack((new_values, new_weights)).astype("float32")


def _merge(a, b, epsilon):
    merged = np.concatenate((a, b), axis=1)
    merged = merged[:, np.argsort(merged[0])]
    return _compress(merged, epsilon)


@register_builtin("layers")
class Discretization(Layer):
    """Maps each value to the index of its bin: `i` such that
    `bin_boundaries[i - 1] <= x < bin_boundaries[i]` (as `np.digitize`), so
    `len(bin_boundaries) + 1` bins in all.

    Boundaries are given, or computed by `adapt(data)` as approximate quantiles
    (Keras's streaming summary with resolution `epsilon`) for `num_bins` bins.

    Args:
        bin_boundaries: Sorted list of boundaries. Exclusive with `num_bins`.
        num_bins: Number of bins to learn with `adapt`.
        epsilon: Quantile resolution of `adapt` (smaller is more exact).
        output_mode: "int" (default, int32 bin indices), "one_hot",
            "multi_hot" or "count" (encoded over the `num_bins` bins).
        sparse: Unsupported (must be False).

    Example:
    >>> layer = kerasish.layers.Discretization(bin_boundaries=[0.0, 1.0])
    >>> layer(np.array([-0.5, 0.5, 2.0]))
    Array([0, 1, 2], dtype=int32)
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon=0.01,
        output_mode="int",
        sparse=False,
        dtype=None,
        name=None,
    ):
        super().__init__(dtype=dtype, name=name)
        _utils.check_choice("Discretization", "output_mode", output_mode, MODES)
        if sparse:
            raise ValueError("Discretization: `sparse=True` is not supported.")
        if num_bins is not None:
            num_bins = _utils.check_int("Discretization", "num_bins", num_bins, 0)
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: set only one of `num_bins` and `bin_boundaries`. "
                f"Received: num_bins={num_bins}, bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "Discretization: you need to set either `num_bins` (and call "
                "`adapt`) or `bin_boundaries`."
            )
        if bin_boundaries is not None:
            bounds = np.asarray(bin_boundaries, dtype="float64")
            if bounds.ndim != 1 or np.any(np.diff(bounds) < 0):
                raise ValueError(
                    "Discretization: `bin_boundaries` must be a sorted 1-D list of "
                    f"numbers, got {bin_boundaries!r}."
                )
            bin_boundaries = [float(b) for b in bounds]
        if not 0 < epsilon < 1:
            raise ValueError(
                f"Discretization: `epsilon` must be in (0, 1), got {epsilon!r}."
            )
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if bin_boundaries else np.zeros((2, 0), "float32")
        self.built = True

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def adapt(self, data, steps=None):
        """Learns `num_bins - 1` boundaries as approximate quantiles of `data`.

        Args:
            data: An array, or an iterable of batches (arrays).
            steps: With an iterable, the number of batches to use.
        """
        self._check_adaptable()
        self.reset_state()
        # As in Keras, a list or tuple is an iterable of batches.
        if isinstance(data, np.ndarray) or ops.is_tensor(data):
            batches = [data]
        else:
            batches = data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            self.update_state(batch)
        if self.summary.shape[1] == 0:
            raise ValueError(
                f"Layer '{self.name}' (Discretization): adapt() received no data. "
                "Pass a non-empty array or iterable of batches."
            )
        self.finalize_state()

    def _check_adaptable(self):
        if self.num_bins is None:
            raise ValueError(
                f"Layer '{self.name}' (Discretization) was created with "
                "`bin_boundaries`; it cannot be adapted. Create it with "
                "`num_bins` instead."
            )

    def reset_state(self):
        """Forgets the quantile summary gathered by `update_state`."""
        if self.num_bins is not None:
            self.summary = np.zeros((2, 0), "float32")

    def update_state(self, data):
        """Merges a batch's values into the quantile summary."""
        self._check_adaptable()
        batch = np.asarray(ops.convert_to_numpy(data), dtype="float32")
        if batch.size:
            self.summary = _merge(
                _summarize(batch, self.epsilon), self.summary, self.epsilon
            )

    def finalize_state(self):
        """Sets `bin_boundaries` from the quantile summary (`num_bins - 1`
        approximate quantiles)."""
        if self.num_bins is None or self.summary.shape[1] == 0:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[
            0, :-1
        ].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Layer '{self.name}' (Discretization) has no bin boundaries. Pass "
                "`bin_boundaries` when creating it, or call `adapt(data)` first."
            )
        bounds = ops.convert_to_tensor(
            np.asarray(self.bin_boundaries, dtype=config.floatx())
        )
        indices = ops.digitize(inputs, bounds)
        return _utils.encode_categorical(
            indices, self.output_mode, len(self.bin_boundaries) + 1, self.output_dtype
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = (
            len(self.bin_boundaries) + 1
            if self.bin_boundaries is not None
            else self.num_bins
        )
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        # Keras's keys only (no `trainable`, the dtype by name): its
        # `Discretization(**config)` loads a kerasish file.
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins"):
            bounds = config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = bounds
            return layer
        return super().from_config(config)
