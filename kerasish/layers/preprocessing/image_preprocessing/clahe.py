"""`ContrastLimitedAdaptiveHistogramEqualization` (CLAHE)."""

from kerasish import ops
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Contrast-limited adaptive histogram equalization, at training and
    inference time alike.

    On the [0, 255] scale the image is padded (symmetric) to a multiple of
    `tile_grid_size` and cut into tiles of `tile_h x tile_w` pixels. Each
    tile's 256-bin histogram of `int(x)` is clipped at `clip_limit * tile_h *
    tile_w / 256` with the excess spread evenly over the bins, and turned into
    a map `255 (cdf - cdf_min) / (tile_h tile_w - cdf_min)`. Each pixel's
    value is the bilinear blend of the maps of the four nearest tile centers
    (edge tiles repeated), mapped back to `value_range`.

    Args:
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        clip_limit: Float; `0` or less disables the clipping. Defaults to 4.0.
        tile_grid_size: `(rows, cols)` of tiles. Defaults to `(8, 8)`.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape and dtype.

    Example:
    >>> layer = kerasish.layers.ContrastLimitedAdaptiveHistogramEqualization(
    ...     tile_grid_size=(2, 2))
    >>> layer(np.random.uniform(0, 255, (1, 8, 8, 1)).astype("float32")).shape
    (1, 8, 8, 1)
    """

    def __init__(
        self,
        value_range=(0, 255),
        clip_limit=4.0,
        tile_grid_size=(8, 8),
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        name = "ContrastLimitedAdaptiveHistogramEqualization"
        self.value_range = _color_utils.check_value_range(name, value_range, sort=False)
        if isinstance(clip_limit, bool) or not isinstance(clip_limit, int | float):
            raise ValueError(
                f"{name}: `clip_limit` must be a number (e.g. 4.0; 0 disables "
                f"clipping); received clip_limit={clip_limit!r}."
            )
        if (
            not isinstance(tile_grid_size, tuple | list)
            or len(tile_grid_size) != 2
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0
                for v in tile_grid_size
            )
        ):
            raise ValueError(
                f"{name}: `tile_grid_size` must be a pair of positive integers "
                f"(rows, cols), e.g. (8, 8); received tile_grid_size="
                f"{tile_grid_size!r}."
            )
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        rank = len(images.shape)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1) if rank == 4 else (1, 2, 0))
        dtype = images.dtype
        images = self._transform_value_range(
            images, self.value_range, (0, 255), dtype="float32"
        )
        images = self._clahe(ops.cast(images, "float32"))
        images = self._transform_value_range(
            images, (0, 255), self.value_range, dtype="float32"
        )
        images = ops.cast(images, dtype)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 3, 1, 2) if rank == 4 else (2, 0, 1))
        return images

    def _clahe(self, images):
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        batch, height, width, channels = images.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h = -(-height // grid_h)
        tile_w = -(-width // grid_w)
        pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
        padded = images
        if pad_h or pad_w:
            padded = ops.pad(
                images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="symmetric"
            )
        # (batch, grid_h, grid_w, channels, tile_h * tile_w)
        tiles = ops.reshape(padded, (batch, grid_h, tile_h, grid_w, tile_w, channels))
        tiles = ops.transpose(tiles, (0, 1, 3, 5, 2, 4))
        tiles = ops.reshape(tiles, (batch, grid_h, grid_w, channels, tile_h * tile_w))
        tiles = ops.clip(ops.cast(tiles, "int32"), 0, 255)
        # (batch, grid_h, grid_w, channels, 256)
        hists = ops.sum(ops.one_hot(tiles, 256), axis=-2)
        if self.clip_limit > 0:
            limit = ops.cast(self.clip_limit * (tile_h * tile_w) / 256.0, hists.dtype)
            clipped = ops.clip(hists, 0, limit)
            excess = ops.sum(hists - clipped, axis=-1, keepdims=True)
            hists = clipped + excess / 256.0
        cdf = ops.cumsum(hists, axis=-1)
        cdf_min = ops.min(cdf, axis=-1, keepdims=True)
        denominator = ops.cast(tile_h * tile_w, cdf.dtype) - cdf_min
        denominator = ops.where(
            denominator == 0, ops.ones_like(denominator), denominator
        )
        maps = ops.clip((cdf - cdf_min) * 255.0 / denominator, 0, 255)
        # Repeat the edge tiles: (batch, grid_h + 2, grid_w + 2, channels, 256).
        maps = ops.concatenate([maps[:, :1], maps, maps[:, -1:]], axis=1)
        maps = ops.concatenate([maps[:, :, :1], maps, maps[:, :, -1:]], axis=2)

        def neighbours(length, tile, grid):
            pos = (ops.arange(length, dtype="float32") - tile / 2.0) / tile + 1.0
            low = ops.floor(pos)
            weight = pos - low
            high = ops.cast(ops.clip(low + 1.0, 0, grid + 1), "int32")
            low = ops.cast(ops.clip(low, 0, grid + 1), "int32")
            return low, high, weight

        y0, y1, wy = neighbours(tile_h * grid_h, tile_h, grid_h)
        x0, x1, wx = neighbours(tile_w * grid_w, tile_w, grid_w)
        pixels = ops.cast(ops.clip(padded, 0, 255), "int32")
        b = ops.arange(batch, dtype="int32")[:, None, None, None]
        c = ops.arange(channels, dtype="int32")[None, None, None, :]
        flat = ops.reshape(maps, (-1,))
        stride_x = 256 * channels
        stride_y = stride_x * (grid_w + 2)
        base = b * (stride_y * (grid_h + 2)) + c * 256 + pixels

        def gather(ys, xs):
            index = base + ys[None, :, None, None] * stride_y
            return ops.take(flat, index + xs[None, None, :, None] * stride_x)

        wx = wx[None, None, :, None]
        wy = wy[None, :, None, None]
        top = gather(y0, x0) * (1.0 - wx) + gather(y0, x1) * wx
        bottom = gather(y1, x0) * (1.0 - wx) + gather(y1, x1) * wx
        result = (top * (1.0 - wy) + bottom * wy)[:, :height, :width, :]
        return result[0] if unbatched else result

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "clip_limit": self.clip_limit,
            "tile_grid_size": self.tile_grid_size,
            "data_format": self.data_format,
        }
