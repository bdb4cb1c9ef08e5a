"""`InputSpec`: what a layer accepts (rank, dtype, sizes of given axes)."""

from kerasish.layers.shape_inference import shown_shape


class InputSpec:
    """Constraints a layer checks on its inputs before `build` and `call`.

    Args:
        dtype: Expected dtype, or None.
        shape: Expected shape (None for any size on an axis), or None.
        ndim: Expected rank. `min_ndim` / `max_ndim`: bounds on the rank.
        axes: Dict mapping axis index to its expected size.
        allow_last_axis_squeeze: Accept a rank off by one trailing 1-sized axis.
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def get_config(self):
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        parts = [
            f"{k}={v}"
            for k, v in [
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes or None),
            ]
            if v is not None
        ]
        return f"InputSpec({', '.join(parts)})"


def assert_input_compatibility(specs, inputs, layer_name: str, layer_type: str):
    """Raises a ValueError naming the layer when `inputs` break `specs`."""
    from kerasish.common import tree

    if specs is None:
        return
    if isinstance(specs, InputSpec):
        specs = [specs]
    flat = tree.flatten(inputs)
    if len(specs) > 1 and len(flat) != len(specs):
        raise ValueError(
            f"Layer '{layer_name}' ({layer_type}) expects {len(specs)} inputs, "
            f"but it received {len(flat)} input tensors."
        )
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or x is None:
            continue
        if not hasattr(x, "shape"):
            continue
        shape = tuple(x.shape)
        shown = shown_shape(shape)  # the user's None, not a probe size
        rank = len(shape)
        where = f"Input {index} of layer '{layer_name}' ({layer_type})"
        if (
            spec.ndim is not None
            and not spec.allow_last_axis_squeeze
            and rank != spec.ndim
        ):
            raise ValueError(
                f"{where} is incompatible with the layer: expected ndim={spec.ndim}, "
                f"found ndim={rank}. Full shape received: {shown}."
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected max_ndim="
                f"{spec.max_ndim}, found ndim={rank}. Full shape received: {shown}."
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected min_ndim="
                f"{spec.min_ndim}, found ndim={rank}. Full shape received: {shown}."
            )
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if -rank <= axis < rank and shape[axis] not in (None, size):
                raise ValueError(
                    f"{where} is incompatible with the layer: expected axis {axis} "
                    f"of its input shape to have value {size}, but received input "
                    f"with shape {shown}. The layer was built for inputs with "
                    f"{size} features on axis {axis}; use a new layer for inputs "
                    f"with {shape[axis]}."
                )
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(
                        f"{where} is incompatible with the layer: expected shape="
                        f"{spec.shape}, found shape={shown}."
                    )
