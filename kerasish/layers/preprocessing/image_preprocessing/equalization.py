"""`Equalization`: histogram equalization of each image channel."""

from kerasish import ops
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Equalization(BaseImagePreprocessingLayer):
    """Equalizes the histogram of each channel.

    On the [0, 255] scale, per channel (with Keras, one histogram over the
    whole batch): bin `i = clip(int(x * (bins - 1) / 255), 0, bins - 1)`,
    `cdf = cumsum(hist)`, `lut = clip(round((cdf - cdf_min) * 255 / (cdf[-1] -
    cdf_min)), 0, 255)` with `cdf_min` the first non-zero entry, and `y =
    lut[i]`, mapped back to `value_range`. A channel whose values all fall in
    one bin is left as is.

    Args:
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        bins: Number of histogram bins. Defaults to 256.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.Equalization()
    >>> x = np.array([[[[0.0], [10.0], [20.0], [30.0]]]])
    >>> np.asarray(layer(x)).ravel().tolist()
    [0.0, 85.0, 170.0, 255.0]
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ValueError(
                f"Equalization: `bins` must be a positive integer (e.g. 256 for "
                f"8-bit images); received bins={bins!r}."
            )
        self.bins = bins
        self.value_range = _color_utils.check_value_range("Equalization", value_range)

    def _histogram(self, values):
        """Counts of `values` (on [0, 255]) in `self.bins` equal-width bins."""
        values = ops.cast(values, "float32")
        scaled = values * (self.bins - 1) / 255.0
        indices = ops.clip(ops.cast(scaled, "int32"), 0, self.bins - 1)
        indices = ops.reshape(indices, (-1,))
        ones = ops.ones(indices.shape, dtype="int32")
        return ops.segment_sum(ones, indices, num_segments=self.bins)

    def _scale(self, values, source, target):
        scale = (target[1] - target[0]) / (source[1] - source[0])
        offset = target[0] - source[0] * scale
        return values * scale + offset

    def _equalize_channel(self, channel):
        channel = self._scale(channel, self.value_range, (0, 255))
        hist = self._histogram(channel)
        cdf = ops.cumsum(hist)
        cdf_min = ops.take(cdf, ops.argmax(cdf > 0))
        denominator = cdf[-1] - cdf_min
        denominator = ops.where(
            denominator == 0, ops.ones_like(denominator), denominator
        )
        lut = ops.cast((cdf - cdf_min) * 255, "float32") / ops.cast(
            denominator, "float32"
        )
        lut = ops.clip(ops.round(lut), 0, 255)
        scaled = (channel / 255.0) * (self.bins - 1)
        indices = ops.cast(ops.clip(scaled, 0, self.bins - 1), "int32")
        equalized = ops.take(lut, indices)
        equalized = ops.where(ops.count_nonzero(hist) <= 1, channel, equalized)
        return self._scale(equalized, (0, 255), self.value_range)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        axis = _color_utils.channel_axis(self.data_format)
        channels = [
            self._equalize_channel(ops.take(images, i, axis=axis))
            for i in range(images.shape[axis])
        ]
        return ops.cast(ops.stack(channels, axis=axis), self.compute_dtype)

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
        return {
            **super().get_config(),
            "bins": self.bins,
            "value_range": self.value_range,
        }
