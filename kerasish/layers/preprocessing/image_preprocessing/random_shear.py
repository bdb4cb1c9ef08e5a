"""`RandomShear`: shears images along x and/or y by random amounts while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing._utils import check_choice
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
    _is_number,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.serialization import register_builtin

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def parse_unit_factor(layer, name, factor):
    """A shear factor: a number `f` in [0, 1] -> `(-f, f)`; a pair -> sorted.

    Keras checks each number of a pair against [0, 1], so its own config
    (`(-f, f)`) fails to load; kerasish accepts pairs in [-1, 1].
    """
    message = (
        f"{layer}: `{name}` must be a number in the range [0, 1] or a pair of "
        f"numbers in [-1, 1], received {name}={factor!r}."
    )
    if isinstance(factor, tuple | list):
        if len(factor) != 2 or not all(_is_number(v) and -1 <= v <= 1 for v in factor):
            raise ValueError(message)
        lower, upper = sorted(factor)
        return lower, upper
    if not _is_number(factor) or not 0 <= factor <= 1:
        raise ValueError(message)
    return -abs(factor), abs(factor)


@register_builtin("layers")
class RandomShear(BaseImagePreprocessingLayer):
    """Shears each image by random amounts along x and y while training.

    Per image, `shear_x ~ U(x_factor)` and `shear_y ~ U(y_factor)` and, with
    probability 1/2, both change sign. An output pixel `(x, y)` samples the
    input at `(x + shear_x y, shear_y x + y)` (the origin is the top-left
    corner, as in Keras). At inference the layer is the identity; a direct call
    without `training` augments.

    Bounding boxes follow Keras: in relative coordinates,
    `x' = x - shear_x y` (from the box's top or bottom edge by the sign) and
    `y' = y - shear_y x`, then clipped to the image.

    Args:
        x_factor: A number in [0, 1] (`f -> (-f, f)`) or a pair of numbers.
        y_factor: Same, for the y axis.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        fill_value: The value for `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, H, W, C)` or `(H, W, C)`, or a dict with "images".
    Output: the same shape.

    Example:
    >>> layer = kerasish.layers.RandomShear(x_factor=0.2, seed=0)
    >>> layer(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        x_factor=0.0,
        y_factor=0.0,
        interpolation="bilinear",
        fill_mode="reflect",
        fill_value=0.0,
        data_format=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = parse_unit_factor("RandomShear", "x_factor", x_factor)
        self.y_factor = parse_unit_factor("RandomShear", "y_factor", y_factor)
        check_choice("RandomShear", "fill_mode", fill_mode, FILL_MODES)
        check_choice("RandomShear", "interpolation", interpolation, INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"shear_factor": (batch, 2) [shear_x, shear_y], "input_shape"}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        batch = 1 if len(shape) == 3 else shape[0]
        seed = self.generator if seed is None else seed
        dtype = self.compute_dtype
        invert = random.uniform((batch, 1), seed=seed, dtype=dtype)
        invert = ops.where(invert > 0.5, -1.0, 1.0)
        shear_y = random.uniform((batch, 1), *self.y_factor, seed=seed, dtype=dtype)
        shear_x = random.uniform((batch, 1), *self.x_factor, seed=seed, dtype=dtype)
        shear = ops.cast(ops.concatenate([shear_x, shear_y], axis=1) * invert, dtype)
        return {"shear_factor": shear, "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        shear = ops.convert_to_tensor(transformation["shear_factor"])
        batch = shear.shape[0]
        ones, zeros = ops.ones((batch,), shear.dtype), ops.zeros((batch,), shear.dtype)
        # [[1, shear_x, 0], [shear_y, 1, 0], [0, 0, 1]] as Keras's 8 numbers.
        matrix = ops.stack(
            [ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros], axis=1
        )
        outputs = ops.image.affine_transform(
            images,
            matrix,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        return ops.squeeze(outputs, 0) if unbatched else outputs

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        h_axis, w_axis = (-2, -1) if self.data_format == "channels_first" else (-3, -2)
        height, width = shape[h_axis], shape[w_axis]
        bounding_boxes = converters.convert_format(
            bounding_boxes,
            self.bounding_box_format,
            "rel_xyxy",
            height=height,
            width=width,
            dtype=self.compute_dtype,
        )
        shear = ops.cast(transformation["shear_factor"], self.compute_dtype)
        shear_x, shear_y = shear[:, :1], shear[:, 1:]  # (batch, 1) each
        boxes = bounding_boxes["boxes"]
        x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
        x1 = ops.where(shear_x < 0, x1 - shear_x * y1, x1 - shear_x * y2)
        x2 = ops.where(shear_x < 0, x2 - shear_x * y2, x2 - shear_x * y1)
        new_y1 = ops.where(shear_y > 0, y1 - shear_y * x2, y1 - shear_y * x1)
        new_y2 = ops.where(shear_y > 0, y2 - shear_y * x1, y2 - shear_y * x2)
        boxes = ops.stack([x1, new_y1, x2, new_y2], axis=-1)
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": boxes},
            height=height,
            width=width,
            bounding_box_format="rel_xyxy",
        )
        return converters.convert_format(
            bounding_boxes,
            "rel_xyxy",
            self.bounding_box_format,
            height=height,
            width=width,
            dtype=self.compute_dtype,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "x_factor": self.x_factor,
            "y_factor": self.y_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }
