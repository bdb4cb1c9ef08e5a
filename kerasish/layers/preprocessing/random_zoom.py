"""`RandomZoom`: zooms images in or out by a random factor while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.layers.preprocessing.random_rotation import FILL_MODES, INTERPOLATIONS
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin


def zoom_transforms(zoom_x, zoom_y, height, width):
    """`(batch, 8)` transforms scaling sample coordinates about the center:
    the input is read at `(zx x + (w - 1)/2 (1 - zx), zy y + (h - 1)/2 (1 - zy))`,
    so a factor above 1 zooms out and below 1 zooms in."""
    x_offset = 0.5 * (width - 1) * (1.0 - zoom_x)
    y_offset = 0.5 * (height - 1) * (1.0 - zoom_y)
    zeros = ops.zeros_like(zoom_x)
    return ops.stack(
        [zoom_x, zeros, x_offset, zeros, zoom_y, y_offset, zeros, zeros], axis=1
    )


@register_builtin("layers")
class RandomZoom(BaseImagePreprocessingLayer):
    """Randomly zooms each image while training (identity otherwise).

    The zoom is `1 + u` with `u` uniform in `[lower, upper]`: a number `f` gives
    `[-|f|, |f|]`. A positive value zooms out (the image shrinks, the border is
    filled by `fill_mode`), a negative one zooms in. Without `width_factor` the
    vertical zoom is used for both axes (the aspect ratio is kept).
    As in Keras, a direct call without `training` augments. A dict input
    zooms segmentation masks (nearest) and bounding boxes with their images:
    the sampled window `[x0, x1] = [a2, zx W + a2]` (likewise y) maps onto
    the image, boxes clipped to it.

    Args:
        height_factor: A number or a pair of numbers in (-1, 1].
        width_factor: Same, for the width; None (default) reuses the height zoom.
        fill_mode: "reflect" (default), "wrap", "constant", "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: Integer seed for repeatable draws.
        fill_value: The value for `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> kerasish.layers.RandomZoom(0.2, seed=0)(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _utils.parse_factor(
            "RandomZoom", "height_factor", height_factor, -1, 1, low_open=True
        )
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _utils.parse_factor(
                "RandomZoom", "width_factor", width_factor, -1, 1, low_open=True
            )
        _utils.check_choice("RandomZoom", "fill_mode", fill_mode, FILL_MODES)
        _utils.check_choice(
            "RandomZoom", "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        _check_image_rank(self, inputs.shape)
        inputs = ops.cast(inputs, self.compute_dtype)
        if not training:
            return inputs
        return self.transform_images(inputs, self.get_random_transformation(inputs))

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's `{"height_zoom", "width_zoom": (batch, 1), "input_shape"}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        batch = shape[0] if len(shape) == 4 else 1
        seed = self.generator if seed is None else seed
        zoom_y = random.uniform(
            (batch,),
            minval=1.0 + self.height_lower,
            maxval=1.0 + self.height_upper,
            seed=seed,
        )
        if self.width_factor is not None:
            zoom_x = random.uniform(
                (batch,),
                minval=1.0 + self.width_lower,
                maxval=1.0 + self.width_upper,
                seed=seed,
            )
        else:
            zoom_x = zoom_y
        return {
            "height_zoom": zoom_y[:, None],
            "width_zoom": zoom_x[:, None],
            "input_shape": shape,
        }

    def _zooms(self, transformation):
        zoom_x = ops.convert_to_tensor(transformation["width_zoom"])[:, 0]
        zoom_y = ops.convert_to_tensor(transformation["height_zoom"])[:, 0]
        return zoom_x, zoom_y

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        zoom_x, zoom_y = self._zooms(transformation)
        h_axis, w_axis = _utils.image_axes(self.data_format, len(images.shape))
        transforms = zoom_transforms(
            zoom_x, zoom_y, images.shape[h_axis], images.shape[w_axis]
        )
        if len(images.shape) == 3:
            transforms = transforms[0]
        return ops.image.affine_transform(
            images,
            transforms,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        height, width = shape[h_axis], shape[w_axis]
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height, width
        )
        zoom_x, zoom_y = self._zooms(transformation)
        t = zoom_transforms(zoom_x, zoom_y, height, width)  # (batch, 8)
        # The input window the output samples: x in [a2, zx W + a2], likewise y.
        x0, y0 = t[:, 2:3], t[:, 5:6]  # (batch, 1)
        x1, y1 = t[:, 0:1] * width + x0, t[:, 4:5] * height + y0
        boxes = bounding_boxes["boxes"]
        bx1, by1, bx2, by2 = (boxes[..., i] for i in range(4))
        rel = ops.stack(
            [
                (ops.clip(bx1, x0, x1) - x0) / (x1 - x0),
                (ops.clip(by1, y0, y1) - y0) / (y1 - y0),
                (ops.clip(bx2, x0, x1) - x0) / (x1 - x0),
                (ops.clip(by2, y0, y1) - y0) / (y1 - y0),
            ],
            axis=-1,
        )
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": rel}, bounding_box_format="rel_xyxy"
        )
        return converters.convert_format(
            bounding_boxes, "rel_xyxy", self.bounding_box_format, height, width
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }
