"""`AutoContrast`: stretches each image channel to the full value range."""

from kerasish import ops
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class AutoContrast(BaseImagePreprocessingLayer):
    """Stretches each image's channels across `value_range`, at training and
    inference time alike.

    On the [0, 255] scale, per image and channel with `lo`/`hi` the minimum and
    maximum over height and width: `y = clip((x - lo) * 255 / (hi - lo), 0,
    255)`, mapped back to `value_range`. A constant channel (`hi == lo`) is
    returned unchanged.

    Args:
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape and dtype (integer inputs are rounded).

    Example:
    >>> layer = kerasish.layers.AutoContrast(value_range=(0, 255))
    >>> x = np.array([[[[10.0], [20.0]]]])
    >>> np.asarray(layer(x)).ravel().tolist()
    [0.0, 255.0]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _color_utils.check_value_range("AutoContrast", value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        images = self._transform_value_range(
            images, self.value_range, (0, 255), dtype=self.compute_dtype
        )
        images = ops.cast(images, self.compute_dtype)
        # Keras reduces over axes (1, 2), the spatial axes of channels_last
        # batches; here the spatial axes follow `data_format`.
        axes = _color_utils.spatial_axes(self.data_format)
        low = ops.min(images, axis=axes, keepdims=True)
        high = ops.max(images, axis=axes, keepdims=True)
        scale = 255.0 / (high - low)
        results = ops.clip(images * scale - low * scale, 0.0, 255.0)
        results = self._transform_value_range(
            results, (0, 255), self.value_range, dtype=self.compute_dtype
        )
        results = ops.where(ops.isnan(results), original, results)
        if results.dtype == images.dtype:
            return results
        if "int" in str(images.dtype):
            results = ops.round(results)
        return ops.saturate_cast(results, images.dtype)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}
