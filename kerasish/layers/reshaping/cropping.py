"""`Cropping1D/2D/3D`: remove `(before, after)` entries from the spatial axes."""

from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BaseCropping(Layer):
    """Crops `cropping[i] = (before, after)` entries off spatial axis `i`.

    Args:
        rank: Number of spatial axes.
        cropping: Int, or per-axis ints / `(before, after)` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.rank = rank
        self._pairs = args.standardize_pairs(cropping, rank, "cropping", cls)
        self.cropping = self._pairs[0] if rank == 1 else self._pairs
        self.data_format = args.standardize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        shape = tuple(inputs.shape)
        self.compute_output_shape(shape)
        index = [slice(None)] * len(shape)
        for axis, (before, after) in zip(
            args.spatial_axes(self.data_format, self.rank), self._pairs
        ):
            index[axis] = slice(before, shape[axis] - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        output = list(input_shape)
        for axis, (before, after) in zip(
            args.spatial_axes(self.data_format, self.rank), self._pairs
        ):
            if output[axis] is None:
                continue
            if before + after >= output[axis]:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): cropping "
                    f"{(before, after)} removes all {output[axis]} entries of axis "
                    f"{axis} (input shape {tuple(input_shape)}); the cropping must "
                    "leave at least one."
                )
            output[axis] -= before + after
        return tuple(output)

    def get_config(self):
        config = {**super().get_config(), "cropping": self.cropping}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


@register_builtin("layers")
class Cropping1D(BaseCropping):
    """Crops the steps axis of `(batch, steps, features)` inputs.

    Args:
        cropping: Int, or `(start, end)`. Defaults to `(1, 1)`.

    Example:
    >>> kerasish.layers.Cropping1D((1, 2))(np.ones((2, 6, 3))).shape
    (2, 3, 3)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, cropping, "channels_last", **kwargs)


@register_builtin("layers")
class Cropping2D(BaseCropping):
    """Crops height and width.

    Args:
        cropping: Int; `(symmetric_height, symmetric_width)`; or
            `((top, bottom), (left, right))`. Defaults to `((0, 0), (0, 0))`.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> kerasish.layers.Cropping2D(((1, 0), (2, 2)))(np.ones((1, 5, 6, 3))).shape
    (1, 4, 2, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


@register_builtin("layers")
class Cropping3D(BaseCropping):
    """Crops the three spatial axes.

    Args:
        cropping: Int; a tuple of 3 ints; or 3 `(before, after)` pairs. Defaults
            to `((1, 1), (1, 1), (1, 1))`.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> kerasish.layers.Cropping3D(1)(np.ones((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)
