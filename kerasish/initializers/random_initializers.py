"""Random initializers: normal, uniform, truncated normal, variance scaling, orthogonal.

Seeds follow Keras 3: an int seed (or `None`, which draws an int once, at
construction, from `kerasish.random`'s global seed) gives the same values on every
call; a `SeedGenerator` gives new values on each call.
"""

import math

from kerasish import ops
from kerasish import random as krandom
from kerasish.initializers.initializer import Initializer, standardize_shape
from kerasish.random.random import SeedGenerator, next_seed
from kerasish.serialization import register_builtin

# Standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes
# a truncated-normal draw have the requested variance (Keras's constant).
_TRUNCATED_STDDEV = 0.87962566103423978


class RandomInitializer(Initializer):
    """Base of the random initializers: resolves `seed` once, at construction."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = next_seed()
        elif isinstance(seed, dict):
            seed = _deserialize_seed(seed)
        elif isinstance(seed, bool) or not isinstance(seed, int | SeedGenerator):
            raise TypeError(
                f"{type(self).__name__}: `seed` must be an int, a "
                f"`kerasish.random.SeedGenerator` or None, got {seed!r} "
                f"(of type {type(seed).__name__})."
            )
        self.seed = seed

    def get_config(self):
        seed = self._init_seed
        if isinstance(seed, SeedGenerator):
            seed = {"class_name": "SeedGenerator", "config": seed.get_config()}
        return {"seed": seed}


def _deserialize_seed(config):
    if config.get("class_name") != "SeedGenerator":
        raise ValueError(
            f"Cannot use {config!r} as a seed: expected an int or a serialized "
            "SeedGenerator ({'class_name': 'SeedGenerator', 'config': {...}})."
        )
    return SeedGenerator(**config.get("config", {}))


@register_builtin("initializers")
class RandomNormal(RandomInitializer):
    """Draws from a normal distribution `N(mean, stddev**2)`.

    Args:
        mean: Mean of the distribution. Defaults to `0.0`.
        stddev: Standard deviation. Defaults to `0.05`.
        seed: Int, `SeedGenerator` or `None` (see the module docstring).

    Example:
    >>> kerasish.initializers.RandomNormal(seed=1)((2, 3)).shape
    (2, 3)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "RandomNormal initializer")
        return krandom.normal(
            shape, mean=self.mean, stddev=self.stddev, dtype=dtype, seed=self.seed
        )

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@register_builtin("initializers")
class TruncatedNormal(RandomInitializer):
    """Draws from `N(mean, stddev**2)`, redrawing values more than two standard
    deviations from the mean.

    Args:
        mean: Mean of the distribution. Defaults to `0.0`.
        stddev: Standard deviation before truncation. Defaults to `0.05`.
        seed: Int, `SeedGenerator` or `None`.

    Example:
    >>> kerasish.initializers.TruncatedNormal(seed=1)((2, 3)).shape
    (2, 3)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "TruncatedNormal initializer")
        return krandom.truncated_normal(
            shape, mean=self.mean, stddev=self.stddev, dtype=dtype, seed=self.seed
        )

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@register_builtin("initializers")
class RandomUniform(RandomInitializer):
    """Draws from the uniform distribution on `[minval, maxval)`.

    Args:
        minval: Lower bound. Defaults to `-0.05`.
        maxval: Upper bound (excluded). Defaults to `0.05`.
        seed: Int, `SeedGenerator` or `None`.

    Example:
    >>> kerasish.initializers.RandomUniform(seed=1)((2, 3)).shape
    (2, 3)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "RandomUniform initializer")
        return krandom.uniform(
            shape, minval=self.minval, maxval=self.maxval, dtype=dtype, seed=self.seed
        )

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Returns `(fan_in, fan_out)` for a weight of `shape`.

    Scalars give `(1, 1)`, vectors `(n, n)`, matrices `(rows, cols)`. Convolution
    kernels `(*spatial, in, out)` multiply by the receptive field:
    `fan_in = in * prod(spatial)`, `fan_out = out * prod(spatial)`. Explicit
    `input_axes`/`output_axes` multiply those dimensions instead.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            math.prod(shape[axis] for axis in input_axes),
            math.prod(shape[axis] for axis in output_axes),
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


_MODES = ("fan_avg", "fan_in", "fan_out")
_DISTRIBUTIONS = ("truncated_normal", "uniform", "untruncated_normal")


@register_builtin("initializers")
class VarianceScaling(RandomInitializer):
    """Draws with variance `scale / n`, where `n` is the fan in, the fan out or
    their average (`mode`).

    `distribution="truncated_normal"` (also spelled `"normal"`) draws from a normal
    truncated at two standard deviations with
    `stddev = sqrt(scale / n) / 0.87962566103423978`, so the truncated draw has
    variance `scale / n`; `"untruncated_normal"` uses `stddev = sqrt(scale / n)`;
    `"uniform"` draws on `[-limit, limit]` with `limit = sqrt(3 * scale / n)`.
    Fans count the receptive field of convolution kernels (see `compute_fans`).

    Args:
        scale: Positive scaling factor. Defaults to `1.0`.
        mode: `"fan_in"` (default), `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"` (default), `"untruncated_normal"` or
            `"uniform"`.
        seed: Int, `SeedGenerator` or `None`.
        input_axes: Optional axes whose product is the fan in.
        output_axes: Optional axes whose product is the fan out.

    Example:
    >>> init = kerasish.initializers.VarianceScaling(2.0, distribution="uniform")
    >>> init((3, 4)).shape
    (3, 4)
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        name = type(self).__name__
        if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
            raise ValueError(
                f"{name}: `scale` must be a positive float, got {scale!r}."
            )
        if mode not in _MODES:
            raise ValueError(
                f"{name}: `mode` must be one of {', '.join(_MODES)}, got {mode!r}."
            )
        if not isinstance(distribution, str):
            raise TypeError(
                f"{name}: `distribution` must be a string, got {distribution!r}."
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"{name}: `distribution` must be one of "
                f"{', '.join(_DISTRIBUTIONS)} (or 'normal'), got {distribution!r}."
            )
        if (input_axes is None) != (output_axes is None):
            raise ValueError(
                f"{name}: pass both `input_axes` and `output_axes` or neither, got "
                f"input_axes={input_axes!r}, output_axes={output_axes!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, f"{type(self).__name__} initializer")
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return krandom.uniform(
                shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed
            )
        stddev = math.sqrt(variance)
        if self.distribution == "untruncated_normal":
            return krandom.normal(shape, stddev=stddev, dtype=dtype, seed=self.seed)
        return krandom.truncated_normal(
            shape, stddev=stddev / _TRUNCATED_STDDEV, dtype=dtype, seed=self.seed
        )

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A `VarianceScaling` whose scale, mode and distribution are fixed by name."""

    _SETTINGS: tuple = ()

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        scale, mode, distribution = self._SETTINGS
        super().__init__(
            scale=scale,
            mode=mode,
            distribution=distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self):
        config = super().get_config()
        return {key: config[key] for key in ("seed", "input_axes", "output_axes")}


@register_builtin("initializers")
class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: `U(-limit, limit)`, `limit = sqrt(6 / (fan_in +
    fan_out))`, i.e. variance `2 / (fan_in + fan_out)`.

    Args:
        seed: Int, `SeedGenerator` or `None`.

    Example:
    >>> kerasish.initializers.GlorotUniform(seed=0)((3, 4)).shape
    (3, 4)
    """

    _SETTINGS = (1.0, "fan_avg", "uniform")


@register_builtin("initializers")
class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with variance
    `2 / (fan_in + fan_out)`.

    Args:
        seed: Int, `SeedGenerator` or `None`.
    """

    _SETTINGS = (1.0, "fan_avg", "truncated_normal")


@register_builtin("initializers")
class HeUniform(_FixedVarianceScaling):
    """He uniform: `U(-limit, limit)`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: Int, `SeedGenerator` or `None`.
    """

    _SETTINGS = (2.0, "fan_in", "uniform")


@register_builtin("initializers")
class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with variance `2 / fan_in`.

    Args:
        seed: Int, `SeedGenerator` or `None`.
    """

    _SETTINGS = (2.0, "fan_in", "truncated_normal")


@register_builtin("initializers")
class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: `U(-limit, limit)`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: Int, `SeedGenerator` or `None`.
    """

    _SETTINGS = (1.0, "fan_in", "uniform")


@register_builtin("initializers")
class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with variance `1 / fan_in`.

    Args:
        seed: Int, `SeedGenerator` or `None`.
    """

    _SETTINGS = (1.0, "fan_in", "truncated_normal")


@register_builtin("initializers")
class Orthogonal(RandomInitializer):
    """A random orthogonal matrix times `gain`.

    The shape is flattened to `(prod(shape[:-1]), shape[-1])`; a normal matrix of
    the taller orientation is QR-factored and `Q`'s columns are sign-corrected by
    `sign(diag(R))`, so rows (or columns, whichever are fewer) are orthonormal:
    `W.T @ W = gain**2 * I` when there are at least as many rows as columns.

    Args:
        gain: Multiplicative factor. Defaults to `1.0`.
        seed: Int, `SeedGenerator` or `None`.

    Example:
    >>> w = kerasish.initializers.Orthogonal(seed=0)((4, 3))
    >>> bool(np.allclose(w.T @ w, np.eye(3), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Orthogonal initializer")
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs a shape of rank 2 or more, got "
                f"{shape} of rank {len(shape)}. Use it for kernels, not biases."
            )
        num_rows, num_cols = math.prod(shape[:-1]), shape[-1]
        flat_shape = (max(num_rows, num_cols), min(num_rows, num_cols))
        a = krandom.normal(flat_shape, dtype=dtype, seed=self.seed)
        q, r = ops.qr(a)
        q = q * ops.sign(ops.diag(r))  # (max, min): a unique, uniform Q
        if num_rows < num_cols:
            q = ops.transpose(q)
        return self.gain * ops.reshape(q, shape)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
