"""`RandomPerspective`: moves the image corners randomly (a projective warp)."""

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

INTERPOLATIONS = ("nearest", "bilinear")


def homography_matrix(start_points, end_points):
    """The 8 coefficients `(a0, a1, a2, b0, b1, b2, c0, c1)` mapping each end
    point `(x, y)` to its start point: `x_s = (a0 x + a1 y + a2) / k`,
    `y_s = (b0 x + b1 y + b2) / k`, `k = c0 x + c1 y + 1`.

    `start_points` and `end_points` are `(batch, 4, 2)`; the 8x8 linear system
    per image is solved directly. Returns `(batch, 8)`.
    """
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = ops.zeros_like(ex), ops.ones_like(ex)
    x_rows = ops.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], -1)
    y_rows = ops.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], -1)
    coefficients = ops.concatenate([x_rows, y_rows], axis=1)  # (batch, 8, 8)
    target = ops.expand_dims(ops.concatenate([sx, sy], axis=-1), -1)
    return ops.squeeze(ops.linalg.solve(coefficients, target), -1)


@register_builtin("layers")
class RandomPerspective(BaseImagePreprocessingLayer):
    """Applies a random perspective warp to each image while training.

    Each corner `p` of an image moves to `p + p * u` with `u ~ U(-scale/2,
    scale/2)` per coordinate (the top-left corner stays), and the image is
    warped so its corners land there. Each image is warped with probability
    `p ~ U(factor)` (compared with a uniform draw). At inference the layer is
    the identity; a direct call without `training` augments.

    Bounding boxes: each box's corners go through the inverse of the sampling
    homography; the result is their enclosing box, clipped to the image
    (labels of boxes left empty become -1).

    Args:
        factor: A number `f` in [0, 1] or a pair `(lo, hi)`: per image, a
            probability `p ~ U(0, f)` (or `U(lo, hi)`) is drawn and the image
            is changed with probability `p` (as in Keras; `(1, 1)` always).
            Defaults to 1.0.
        scale: A number in [0, 1], the size of the corner moves. Defaults to 1.0.
        interpolation: "bilinear" (default) or "nearest".
        fill_value: The value for points outside the input. Defaults to 0.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, H, W, C)` or `(H, W, C)`, or a dict with "images".
    Output: the same shape.

    Example:
    >>> layer = kerasish.layers.RandomPerspective(scale=0.2, seed=0)
    >>> layer(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=1.0,
        interpolation="bilinear",
        fill_value=0.0,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not _is_number(scale) or not 0.0 <= scale <= 1.0:
            raise ValueError(
                f"RandomPerspective: `scale` must be a number in the range [0, 1], "
                f"received scale={scale!r}."
            )
        check_choice(
            "RandomPerspective", "interpolation", interpolation, INTERPOLATIONS
        )
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        if self.data_format == "channels_first":
            self.height_axis, self.width_axis, self.channel_axis = -2, -1, -3
        else:
            self.height_axis, self.width_axis, self.channel_axis = -3, -2, -1
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"apply_perspective": (batch,) bool, "start_points", "end_points":
        (batch, 4, 2), "input_shape"}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        batch = 1 if len(shape) == 3 else shape[0]
        height, width = shape[self.height_axis], shape[self.width_axis]
        seed = self.generator if seed is None else seed
        probability = random.uniform((batch,), *self.factor, seed=seed)
        threshold = random.uniform((batch,), 0.0, 1.0, seed=seed)
        moves = random.uniform(
            (batch, 4, 2),
            -0.5 * self.scale,
            0.5 * self.scale,
            seed=seed,
            dtype=self.compute_dtype,
        )
        corners = [[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1]]
        corners = ops.convert_to_tensor(
            [corners + [[width - 1, height - 1]]], self.compute_dtype
        )
        start_points = ops.repeat(corners, batch, axis=0)
        return {
            "apply_perspective": threshold < probability,
            "start_points": start_points,
            "end_points": start_points + start_points * moves,
            "input_shape": shape,
        }

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        outputs = ops.image.perspective_transform(
            images,
            transformation["start_points"],
            transformation["end_points"],
            interpolation=interpolation,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        apply = ops.convert_to_tensor(transformation["apply_perspective"])
        outputs = ops.where(apply[:, None, None, None], outputs, images)
        return ops.squeeze(outputs, 0) if unbatched else outputs

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        height, width = shape[self.height_axis], shape[self.width_axis]
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height=height, width=width
        )
        boxes = bounding_boxes["boxes"]
        coefficients = homography_matrix(
            ops.convert_to_tensor(transformation["start_points"]),
            ops.convert_to_tensor(transformation["end_points"]),
        )
        batch = coefficients.shape[0]
        # The sampling map output -> input, as a (batch, 3, 3) matrix; boxes
        # move the other way, through its inverse.
        matrix = ops.reshape(
            ops.concatenate([coefficients, ops.ones((batch, 1), boxes.dtype)], -1),
            (batch, 3, 3),
        )
        inverse = ops.cast(ops.linalg.inv(matrix), boxes.dtype)
        x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
        xs, ys = [], []
        for x, y in ((x1, y1), (x2, y2), (x1, y2), (x2, y1)):
            points = ops.stack([x, y, ops.ones_like(x)], axis=1)  # (batch, 3, N)
            mapped = ops.matmul(inverse, points)
            xs.append(mapped[:, 0] / mapped[:, 2])
            ys.append(mapped[:, 1] / mapped[:, 2])
        xs, ys = ops.stack(xs, -1), ops.stack(ys, -1)
        warped = ops.stack(
            [ops.min(xs, -1), ops.min(ys, -1), ops.max(xs, -1), ops.max(ys, -1)], -1
        )
        apply = ops.convert_to_tensor(transformation["apply_perspective"])
        boxes = ops.where(apply[:, None, None], warped, boxes)
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": boxes},
            height=height,
            width=width,
            bounding_box_format="xyxy",
        )
        # Keras 3.15 leaves the boxes in "xyxy"; they go back to the layer's format.
        return converters.convert_format(
            bounding_boxes, "xyxy", self.bounding_box_format, height=height, width=width
        )

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
            "seed": self.seed,
        }
