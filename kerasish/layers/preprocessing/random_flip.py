"""`RandomFlip`: flips images left-right and/or up-down while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


@register_builtin("layers")
class RandomFlip(BaseImagePreprocessingLayer):
    """Randomly flips each image with probability 1/2 while training.

    With "horizontal_and_vertical", one draw per image decides both flips (as
    in Keras): an image is either flipped both ways or left as is. At inference
    (`training=False`) the layer is the identity. As in Keras, a direct call
    without `training` augments (the default of `training` is True); `predict`
    and `evaluate` run it with `training=False`.

    A dict input (`{"images", "labels", "bounding_boxes",
    "segmentation_masks"}`) flips the masks and boxes with their images; boxes
    need `bounding_box_format`. In relative coordinates a horizontal flip maps
    `(x1, y1, x2, y2)` to `(1 - x2, y1, 1 - x1, y2)`.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: Integer seed for repeatable flips.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomFlip("horizontal", seed=0)
    >>> layer(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        _utils.check_choice("RandomFlip", "mode", mode, MODES)
        self.mode = mode
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
        """`{"flips": (batch, 1, 1, 1) bool (an image: (1, 1, 1)), "input_shape"}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        flips_shape = (shape[0], 1, 1, 1) if len(shape) == 4 else (1, 1, 1)
        seed = self.generator if seed is None else seed
        flips = ops.less_equal(random.uniform(flips_shape, seed=seed), 0.5)
        return {"flips": flips, "input_shape": shape}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        flips = ops.convert_to_tensor(transformation["flips"])
        h_axis, w_axis = _utils.image_axes(self.data_format, len(images.shape))
        outputs = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            outputs = ops.where(flips, ops.flip(outputs, axis=w_axis), outputs)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            outputs = ops.where(flips, ops.flip(outputs, axis=h_axis), outputs)
        return outputs

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        height, width = shape[h_axis], shape[w_axis]
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "rel_xyxy", height, width
        )
        boxes = bounding_boxes["boxes"]
        flips = ops.reshape(ops.convert_to_tensor(transformation["flips"]), (-1, 1, 1))
        x1, y1, x2, y2 = (boxes[..., i : i + 1] for i in range(4))
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            flipped = ops.concatenate([1 - x2, y1, 1 - x1, y2], axis=-1)
            boxes = ops.where(flips, flipped, boxes)
            x1, y1, x2, y2 = (boxes[..., i : i + 1] for i in range(4))
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            flipped = ops.concatenate([x1, 1 - y2, x2, 1 - y1], axis=-1)
            boxes = ops.where(flips, flipped, boxes)
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": boxes}, bounding_box_format="rel_xyxy"
        )
        return converters.convert_format(
            bounding_boxes, "rel_xyxy", self.bounding_box_format, height, width
        )

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return self.transform_images(segmentation_masks, transformation, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "seed": self.seed,
            "mode": self.mode,
        }
