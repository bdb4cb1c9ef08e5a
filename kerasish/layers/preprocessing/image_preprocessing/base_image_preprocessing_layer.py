"""`BaseImagePreprocessingLayer`: the shared frame of the image augmentation layers.

A layer draws one random transformation per call (`get_random_transformation`)
and applies it to every part of its input: the images and, when the input is
a dict, the "labels", "bounding_boxes" and "segmentation_masks" entries
(`transform_images`, `transform_labels`, `transform_bounding_boxes`,
`transform_segmentation_masks`). A single image (rank 3) is handled as a
batch of one. This mirrors Keras 3's base class of the same name, so a
transformation dict built by one layer can be fed to another's `transform_*`.
"""

import math

from kerasish import config, ops
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes.validation import (  # noqa: E501
    densify_bounding_boxes,
)

INPUT_KEYS = ("images", "labels", "bounding_boxes", "segmentation_masks")


class BaseImagePreprocessingLayer(Layer):
    """Base class of the image augmentation layers.

    Subclasses override `get_random_transformation(data, training, seed)` and
    the `transform_*` methods they support (or `_transform_images(images,
    transformation, interpolation)`, which `transform_images` and
    `transform_segmentation_masks` call). Set `_USE_BASE_FACTOR = False` for a
    layer without a `factor` argument, and `_FACTOR_BOUNDS` for its range.

    Args:
        factor: A number or a pair of numbers within `_FACTOR_BOUNDS`; a number
            `f` becomes `(max(-|f|, lower bound), |f|)`, a pair is sorted.
        bounding_box_format: The format of `data["bounding_boxes"]["boxes"]`
            ("xyxy", "rel_xyxy", "center_xywh", ...); required when the input
            has bounding boxes.
        data_format: "channels_last" (default) or "channels_first".

    Input: an image `(height, width, channels)`, a batch `(batch, height,
    width, channels)`, or a dict with "images" and optionally "labels",
    "bounding_boxes" (`{"boxes": (batch, N, 4), "labels": (batch, N)}`) and
    "segmentation_masks". Output: the same structure.
    """

    _allow_non_tensor_positional_args = True  # as Keras's data layers

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(
        self, factor=None, bounding_box_format=None, data_format=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = config.standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument; "
                f"received factor={factor!r}. Remove it."
            )

    # Argument parsing shared by the subclasses.

    def _set_factor(self, factor):
        self.factor = self._set_factor_by_name(factor, "factor")

    def _set_factor_by_name(self, factor, name):
        """Parses a factor argument called `name` within `_FACTOR_BOUNDS`.

        A number `f` -> `(max(-|f|, low), |f|)`; a pair -> sorted (rejected, as
        in Keras, only when it lies wholly outside the bounds).
        """
        low, high = self._FACTOR_BOUNDS
        message = (
            f"{type(self).__name__}: `{name}` must be a number or a pair of "
            f"numbers in the range [{low}, {high}], received {name}={factor!r}."
        )
        if isinstance(factor, tuple | list):
            if len(factor) != 2 or not all(_is_number(v) for v in factor):
                raise ValueError(message)
            if factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif _is_number(factor):
            if factor < low or factor > high:
                raise ValueError(message)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(message)
        return lower, upper

    def _set_value_range(self, value_range):
        """Checks `value_range` is a pair `(low, high)` and stores it sorted."""
        if (
            not isinstance(value_range, tuple | list)
            or len(value_range) != 2
            or not all(_is_number(v) for v in value_range)
        ):
            raise ValueError(
                f"{type(self).__name__}: `value_range` must be a tuple or list of "
                f"two numbers (low, high), e.g. (0, 255); received "
                f"value_range={value_range!r}."
            )
        self.value_range = sorted(value_range)

    # The transformation and its application; subclasses override these.

    def get_random_transformation(self, data, training=True, seed=None):
        """Draws the random parameters of one call (a dict of arrays) or None."""
        return None

    def _transform_images(self, images, transformation, interpolation):
        raise NotImplementedError(
            f"{type(self).__name__} does not implement `_transform_images`."
        )

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training:
            images = self._transform_images(
                images, transformation, getattr(self, "interpolation", "bilinear")
            )
        return images

    def transform_labels(self, labels, transformation, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} does not implement `transform_labels`."
        )

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} does not support bounding boxes "
            "(`transform_bounding_boxes` is not implemented)."
        )

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        if training:
            segmentation_masks = self._transform_images(
                segmentation_masks, transformation, "nearest"
            )
        return segmentation_masks

    # Single (unbatched) inputs are a batch of one.

    def transform_single_image(self, image, transformation, training=True):
        images = ops.expand_dims(image, axis=0)
        outputs = self.transform_images(images, transformation, training=training)
        return ops.squeeze(outputs, axis=0)

    def transform_single_label(self, label, transformation, training=True):
        labels = ops.expand_dims(label, axis=0)
        outputs = self.transform_labels(labels, transformation, training=training)
        return ops.squeeze(outputs, axis=0)

    def transform_single_bounding_box(
        self, bounding_box, transformation, training=True
    ):
        batched = {
            **bounding_box,
            "boxes": ops.expand_dims(bounding_box["boxes"], axis=0),
            "labels": ops.expand_dims(bounding_box["labels"], axis=0),
        }
        outputs = self.transform_bounding_boxes(
            batched, transformation, training=training
        )
        return {
            **outputs,
            "boxes": ops.squeeze(outputs["boxes"], axis=0),
            "labels": ops.squeeze(outputs["labels"], axis=0),
        }

    def transform_single_segmentation_mask(
        self, segmentation_mask, transformation, training=True
    ):
        masks = ops.expand_dims(segmentation_mask, axis=0)
        outputs = self.transform_segmentation_masks(
            masks, transformation, training=training
        )
        return ops.squeeze(outputs, axis=0)

    def _is_batched(self, maybe_image_batch):
        shape = tuple(ops.shape(maybe_image_batch))
        if len(shape) == 3:
            return False
        if len(shape) == 4:
            return True
        raise ValueError(
            f"Layer '{self.name}' ({type(self).__name__}) expected images of rank "
            f"3 (height, width, channels) or 4 (batch, height, width, channels), "
            f"received shape {shape}."
        )

    def call(self, data, training=True):
        if isinstance(data, dict):
            return self._call_dict(data, training)
        transformation = self.get_random_transformation(data, training=training)
        images = ops.convert_to_tensor(data)
        if self._is_batched(images):
            return self.transform_images(images, transformation, training=training)
        return self.transform_single_image(images, transformation, training=training)

    def _call_dict(self, data, training):
        if "images" not in data:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) received a dict "
                f"without an 'images' key (keys: {sorted(data)}). A dict input "
                f"holds 'images' and optionally {', '.join(INPUT_KEYS[1:])}."
            )
        data = dict(data)  # the caller's dict is left as it was
        transformation = self.get_random_transformation(data, training=training)
        images = ops.convert_to_tensor(data["images"])
        batched = self._is_batched(images)
        if batched:
            data["images"] = self.transform_images(
                images, transformation, training=training
            )
        else:
            data["images"] = self.transform_single_image(
                images, transformation, training=training
            )
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) received an input "
                    "with a 'bounding_boxes' key but has no bounding box format. "
                    f"Pass `bounding_box_format` to {type(self).__name__}, e.g. "
                    "`bounding_box_format='xyxy'`."
                )
            boxes = densify_bounding_boxes(data["bounding_boxes"], is_batched=batched)
            transform = (
                self.transform_bounding_boxes
                if batched
                else self.transform_single_bounding_box
            )
            data["bounding_boxes"] = transform(boxes, transformation, training=training)
        if "labels" in data:
            labels = ops.convert_to_tensor(data["labels"])
            transform = (
                self.transform_labels if batched else self.transform_single_label
            )
            data["labels"] = transform(labels, transformation, training=training)
        if "segmentation_masks" in data:
            masks = ops.convert_to_tensor(data["segmentation_masks"])
            transform = (
                self.transform_segmentation_masks
                if batched
                else self.transform_single_segmentation_mask
            )
            data["segmentation_masks"] = transform(
                masks, transformation, training=training
            )
        return data

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            cfg["bounding_box_format"] = self.bounding_box_format
        return cfg

    # Helpers shared by the subclasses.

    def _transform_value_range(
        self, images, original_range, target_range, dtype="float32"
    ):
        """Maps values linearly from `original_range` to `target_range`:
        `(x - lo) / (hi - lo) * (hi' - lo') + lo'`."""
        if (
            original_range[0] == target_range[0]
            and original_range[1] == target_range[1]
        ):
            return images
        images = ops.cast(images, dtype)
        low, high = self._unwrap_value_range(original_range, dtype)
        target_low, target_high = self._unwrap_value_range(target_range, dtype)
        images = (images - low) / (high - low)
        return images * (target_high - target_low) + target_low

    def _unwrap_value_range(self, value_range, dtype="float32"):
        low, high = value_range
        return ops.cast(low, dtype), ops.cast(high, dtype)

    def _compute_affine_matrix(
        self,
        center_x,
        center_y,
        angle,
        translate_x,
        translate_y,
        scale,
        shear_x,
        shear_y,
        height,
        width,
    ):
        """Keras's `(batch, 8)` transforms for `ops.image.affine_transform`.

        Scale x shear x rotation about the center `(cx, cy) = (center_x (width
        - 1), center_y (height - 1))`; angles in degrees, shears as angles:
        `a0 = s (cos + tan(shx) sin)`, `a1 = s (-sin + tan(shx) cos)`,
        `a2 = tx + cx - cx a0 - cy a1`, `b0 = s (tan(shy) cos + sin)`,
        `b1 = s (-tan(shy) sin + cos)`, `b2 = ty + cy - cx b0 - cy b1`.
        """
        to_radians = math.pi / 180.0
        angle = angle * to_radians
        batch = ops.shape(angle)[0]
        dtype = angle.dtype
        cx = center_x * (ops.cast(width, dtype) - 1)
        cy = center_y * (ops.cast(height, dtype) - 1)
        cos, sin = ops.cos(angle), ops.sin(angle)
        tan_x = ops.tan(shear_x * to_radians)
        tan_y = ops.tan(shear_y * to_radians)
        a0 = scale * (cos + tan_x * sin)
        a1 = scale * (-sin + tan_x * cos)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (tan_y * cos + sin)
        b1 = scale * (-tan_y * sin + cos)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zeros = ops.zeros((batch,), dtype)
        return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)
