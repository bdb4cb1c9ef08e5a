"""`draw_segmentation_masks`: class masks painted (and blended) over images."""

import numpy as np

from kerasish.visualization import _common


def _generate_color_palette(num_classes):
    palette = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(
    images,
    segmentation_masks,
    num_classes=None,
    color_mapping=None,
    alpha=0.8,
    blend=True,
    ignore_index=-1,
    data_format=None,
):
    """Paints each class of an integer mask in its color over the images.

    With `blend`, a masked pixel becomes `image * (1 - alpha) + color * alpha`
    (pixels equal to `ignore_index` keep the image) and the result is uint8;
    without, masked pixels are replaced by their class color (float32).

    Args:
        images: `(batch, height, width, 3)` images (or channels_first).
        segmentation_masks: Integer masks `(batch, height, width, 1)`.
        num_classes: Number of classes; defaults to the mask's maximum (as
            Keras, which then leaves the highest class unpainted).
        color_mapping: Dict of class -> RGB color; default: a fixed palette.
        alpha: Blend weight of the mask colors.
        blend: Blend (uint8 result) or paint over (float32 result).
        ignore_index: Mask value that is never drawn.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        numpy array of the drawn images, channels_last.
    """
    data_format = _common.data_format_of(data_format)
    images = _common.to_numpy(images)
    _common.check_batched(images)
    masks = _common.to_numpy(segmentation_masks)
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
        masks = masks.transpose(0, 2, 3, 1)
    images = images.astype("float32")
    if masks.dtype.kind not in "iu":
        raise TypeError(
            "`segmentation_masks` must be in integer dtype. Received: "
            f"segmentation_masks.dtype={masks.dtype}"
        )
    if num_classes is None:
        num_classes = int(masks.max())
    if color_mapping is None:
        colors = _generate_color_palette(num_classes)
    else:
        colors = [color_mapping[i] for i in range(num_classes)]
    valid = (masks != ignore_index)[..., 0]
    classes = masks[..., 0]
    drawn = images.copy()
    for c, color in enumerate(colors):
        drawn[classes == c] = np.asarray(color, dtype="float32")[None, :]
    if not blend:
        return drawn
    out = images * (1 - alpha) + drawn * alpha
    out = np.where(valid[..., None], out, images)
    return out.astype("uint8")
