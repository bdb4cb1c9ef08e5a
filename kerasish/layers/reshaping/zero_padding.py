"""`ZeroPadding1D/2D/3D`: pad the spatial axes with zeros."""

from kerasish import ops
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BaseZeroPadding(Layer):
    """Adds `padding[i] = (before, after)` zeros on spatial axis `i`.

    Args:
        rank: Number of spatial axes.
        padding: Int, or per-axis ints / `(before, after)` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.rank = rank
        self._pairs = args.standardize_pairs(padding, rank, "padding", cls)
        self.padding = self._pairs[0] if rank == 1 else self._pairs
        self.data_format = args.standardize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        pads = [(0, 0)] * (self.rank + 2)
        for axis, pair in zip(
            args.spatial_axes(self.data_format, self.rank), self._pairs
        ):
            pads[axis] = pair
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        output = list(input_shape)
        for axis, (before, after) in zip(
            args.spatial_axes(self.data_format, self.rank), self._pairs
        ):
            if output[axis] is not None:
                output[axis] += before + after
        return tuple(output)

    def get_config(self):
        return {
            **super().get_config(),
            "padding": self.padding,
            "data_format": self.data_format,
        }


@register_builtin("layers")
class ZeroPadding1D(BaseZeroPadding):
    """Pads the steps axis with zeros.

    Args:
        padding: Int, or `(left, right)`. Defaults to 1.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> kerasish.layers.ZeroPadding1D((1, 2))(np.ones((2, 4, 3))).shape
    (2, 7, 3)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(1, padding, data_format, **kwargs)


@register_builtin("layers")
class ZeroPadding2D(BaseZeroPadding):
    """Pads height and width with zeros.

    Args:
        padding: Int; `(symmetric_height, symmetric_width)`; or
            `((top, bottom), (left, right))`. Defaults to `(1, 1)`.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> kerasish.layers.ZeroPadding2D(1)(np.ones((2, 4, 4, 3))).shape
    (2, 6, 6, 3)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


@register_builtin("layers")
class ZeroPadding3D(BaseZeroPadding):
    """Pads the three spatial axes with zeros.

    Args:
        padding: Int; a tuple of 3 ints; or 3 `(before, after)` pairs. Defaults
            to `((1, 1), (1, 1), (1, 1))`.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> kerasish.layers.ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)
