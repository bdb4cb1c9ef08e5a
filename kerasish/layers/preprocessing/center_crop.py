"""`CenterCrop`: crops the central `(height, width)` window of images."""

from kerasish import config, ops
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.resizing import _check_image_rank, resize_images
from kerasish.serialization import register_builtin


@register_builtin("layers")
class CenterCrop(Layer):
    """Crops the central `height x width` window of each image.

    An image smaller than the target on either side is instead cropped to the
    target aspect ratio and resized (bilinear), as Keras's `smart_resize` does.
    The crop starts at `(in_height - height) // 2, (in_width - width) // 2`.

    Args:
        height, width: The output's spatial size (positive ints).
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: the same with `height, width` replaced; compute dtype.

    Example:
    >>> kerasish.layers.CenterCrop(2, 2)(np.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _utils.check_int("CenterCrop", "height", height, minimum=1)
        self.width = _utils.check_int("CenterCrop", "width", width, minimum=1)
        self.data_format = config.standardize_data_format(data_format)
        self.built = True

    def call(self, inputs):
        _check_image_rank(self, inputs.shape)
        inputs = ops.cast(inputs, self.compute_dtype)
        h_axis, w_axis = _utils.image_axes(self.data_format, len(inputs.shape))
        h_diff = inputs.shape[h_axis] - self.height
        w_diff = inputs.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return _utils.slice_hw(
                inputs,
                self.data_format,
                h_diff // 2,
                w_diff // 2,
                self.height,
                self.width,
            )
        return resize_images(
            inputs,
            self.height,
            self.width,
            crop_to_aspect_ratio=True,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        _check_image_rank(self, input_shape)
        shape = list(input_shape)
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "height": self.height,
            "width": self.width,
        }
