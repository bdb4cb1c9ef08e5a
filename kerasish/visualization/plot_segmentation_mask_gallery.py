"""`plot_segmentation_mask_gallery`: images beside their drawn masks."""

import functools

import numpy as np

from kerasish.visualization import _common
from kerasish.visualization.draw_segmentation_masks import draw_segmentation_masks
from kerasish.visualization.plot_image_gallery import plot_image_gallery


def plot_segmentation_mask_gallery(
    images,
    num_classes,
    value_range=(0, 255),
    y_true=None,
    y_pred=None,
    color_mapping=None,
    blend=True,
    alpha=0.8,
    ignore_index=-1,
    data_format=None,
    **kwargs,
):
    """One row per image: the image, then `y_true` and `y_pred` masks drawn on it.

    Args: as `draw_segmentation_masks` and `plot_image_gallery`.

    Returns:
        The matplotlib `Figure`.
    """
    data_format = _common.data_format_of(data_format)
    images = _common.to_numpy(images)
    _common.check_batched(images)
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    rows = images.shape[0]
    cols = 1 + (y_true is not None) + (y_pred is not None)
    draw = functools.partial(
        draw_segmentation_masks,
        num_classes=num_classes,
        color_mapping=color_mapping,
        alpha=alpha,
        ignore_index=ignore_index,
        blend=blend,
        data_format="channels_last",
    )
    drawn = []
    for masks in (y_true, y_pred):
        if masks is None:
            drawn.append(None)
            continue
        masks = _common.to_numpy(masks)
        if data_format == "channels_first":
            masks = masks.transpose(0, 2, 3, 1)
        drawn.append(draw(images, masks.astype("int32")))
    gallery = []
    for i in range(rows):
        gallery.append(images[i])
        gallery.extend(d[i] for d in drawn if d is not None)
    return plot_image_gallery(
        np.stack(gallery).astype("float32"),
        value_range=value_range,
        rows=rows,
        cols=cols,
        data_format="channels_last",
        **kwargs,
    )
