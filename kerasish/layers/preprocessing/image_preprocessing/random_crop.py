"""`RandomCrop`: crops a random `height x width` window while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing._utils import check_int, crop_box
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.random.random import next_seed
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomCrop(BaseImagePreprocessingLayer):
    """Crops every image of a batch at one random location while training.

    The crop window's top-left corner `(h_start, w_start)` is drawn uniformly
    among the integer positions that keep the window inside the image; the
    whole batch shares it (as in Keras). An image not larger than the target
    on both axes is instead cropped near its center and resized (Keras's
    window: `height x width` from the corner of the central crop to the
    target aspect ratio, cut at the image edge). At inference
    (`training=False`) the layer returns its input unchanged (Keras 3 does
    the same). As in Keras, a direct call without
    `training` augments.

    Bounding boxes are shifted by `(-w_start, -h_start)`, clipped to the
    window and scaled with any resize; labels are kept. Keras 3.15 subtracts
    `h_start` from x and `w_start` from y and does not clip to the window;
    kerasish does the geometric crop.

    Args:
        height: Positive int, the output height.
        width: Positive int, the output width.
        seed: Integer seed for repeatable crops.
        data_format: "channels_last" (default) or "channels_first".
        name: The layer's name.
        bounding_box_format: The format of the bounding boxes, when the input
            has them (a base-layer keyword argument).

    Input shape: `(batch, H, W, C)` or `(H, W, C)` (or a dict with "images").
    Output: `(batch, height, width, C)` while training.

    Example:
    >>> layer = kerasish.layers.RandomCrop(2, 3, seed=0)
    >>> layer(np.ones((4, 5, 6, 1))).shape
    (4, 2, 3, 1)
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(name=name, data_format=data_format, **kwargs)
        self.height = check_int("RandomCrop", "height", height, minimum=1)
        self.width = check_int("RandomCrop", "width", width, minimum=1)
        self.seed = seed if seed is not None else next_seed()
        self.generator = random.SeedGenerator(seed)
        if self.data_format == "channels_first":
            self.height_axis, self.width_axis = -2, -1
        else:
            self.height_axis, self.width_axis = -3, -2
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"h_start", "w_start", "crop_height", "crop_width", "input_height",
        "input_width"}`; the starts are int32 scalars."""
        images = data["images"] if isinstance(data, dict) else data
        shape = ops.shape(images)
        input_height, input_width = shape[self.height_axis], shape[self.width_axis]
        if training and input_height > self.height and input_width > self.width:
            seed = self.generator if seed is None else seed
            # As Keras: one uniform draw per axis, truncated to an int.
            h_start, w_start = (
                ops.cast(
                    random.uniform((), 0, float(size - target + 1), seed=seed),
                    "int32",
                )
                for size, target in (
                    (input_height, self.height),
                    (input_width, self.width),
                )
            )
            crop_height, crop_width = self.height, self.width
        else:
            # Keras's start of the central crop to the target aspect ratio; its
            # window is then `height x width` from there, cut at the image edge.
            h_start, w_start, _, _ = crop_box(
                input_height, input_width, self.height, self.width
            )
            crop_height = min(self.height, input_height - h_start)
            crop_width = min(self.width, input_width - w_start)
        return {
            "h_start": h_start,
            "w_start": w_start,
            "crop_height": crop_height,
            "crop_width": crop_width,
            "input_height": input_height,
            "input_width": input_width,
        }

    def _window(self, transformation, input_height, input_width):
        """`(h_start, w_start, crop_height, crop_width)`; Keras's transformation
        is the pair `(h_start, w_start)` of a `height x width` window."""
        if isinstance(transformation, dict):
            t = transformation
            return t["h_start"], t["w_start"], t["crop_height"], t["crop_width"]
        h_start, w_start = transformation
        crop_height, crop_width = self.height, self.width
        if isinstance(h_start, int):  # a static start may cut the window short
            crop_height = min(crop_height, input_height - h_start)
        if isinstance(w_start, int):
            crop_width = min(crop_width, input_width - w_start)
        return h_start, w_start, crop_height, crop_width

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        rank = len(images.shape)
        h_axis, w_axis = rank + self.height_axis, rank + self.width_axis
        h_start, w_start, crop_height, crop_width = self._window(
            transformation, images.shape[h_axis], images.shape[w_axis]
        )
        start = [0] * rank
        size = list(images.shape)
        start[h_axis], start[w_axis] = h_start, w_start
        size[h_axis], size[w_axis] = crop_height, crop_width
        images = ops.slice(images, [ops.cast(s, "int32") for s in start], size)
        if size[h_axis] != self.height or size[w_axis] != self.width:
            images = ops.image.resize(
                images, (self.height, self.width), data_format=self.data_format
            )
            images = ops.cast(images, self.compute_dtype)
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        if isinstance(transformation, dict):
            in_h, in_w = transformation["input_height"], transformation["input_width"]
        else:
            in_h, in_w = self.height, self.width  # Keras's sizes for "rel_"
        h_start, w_start, crop_height, crop_width = self._window(
            transformation, in_h, in_w
        )
        boxes = converters.convert_format(
            bounding_boxes["boxes"],
            self.bounding_box_format,
            "xyxy",
            height=in_h,
            width=in_w,
        )
        boxes = converters.crop(
            boxes,
            ops.cast(h_start, boxes.dtype),
            ops.cast(w_start, boxes.dtype),
            crop_height,
            crop_width,
        )
        scale = ops.convert_to_tensor(
            [self.width / crop_width, self.height / crop_height] * 2, boxes.dtype
        )
        boxes = converters.convert_format(
            boxes * scale,
            "xyxy",
            self.bounding_box_format,
            height=self.height,
            width=self.width,
        )
        return {**bounding_boxes, "boxes": boxes}

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return self.transform_images(segmentation_masks, transformation, training)

    def compute_output_shape(self, input_shape):
        def resize(shape):
            shape = list(shape)
            shape[self.height_axis] = self.height
            shape[self.width_axis] = self.width
            return tuple(shape)

        if isinstance(input_shape, dict):
            out = dict(input_shape)
            for key in ("images", "segmentation_masks"):
                if key in out:
                    out[key] = resize(out[key])
            return out
        return resize(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "seed": self.seed,
            "data_format": self.data_format,
        }
