"""`plot_bounding_box_gallery`: images with true/predicted boxes, in a grid."""

import functools

import numpy as np

from kerasish.visualization import _common
from kerasish.visualization.draw_bounding_boxes import draw_bounding_boxes
from kerasish.visualization.plot_image_gallery import _pyplot, plot_image_gallery


def plot_bounding_box_gallery(
    images,
    bounding_box_format,
    y_true=None,
    y_pred=None,
    value_range=(0, 255),
    true_color=(0, 188, 212),
    pred_color=(255, 235, 59),
    line_thickness=2,
    font_scale=1.0,
    text_thickness=None,
    class_mapping=None,
    ground_truth_mapping=None,
    prediction_mapping=None,
    legend=False,
    legend_handles=None,
    rows=None,
    cols=None,
    data_format=None,
    **kwargs,
):
    """Draws `y_true` and `y_pred` boxes on the images and plots them.

    Args: as `draw_bounding_boxes` and `plot_image_gallery`; `legend=True` adds
    a "Ground Truth" / "Prediction" legend.

    Returns:
        The matplotlib `Figure`.
    """
    _pyplot()
    from matplotlib import patches

    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    data_format = _common.data_format_of(data_format)
    images = _common.to_numpy(images)
    _common.check_batched(images)
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    draw = functools.partial(
        draw_bounding_boxes,
        bounding_box_format=bounding_box_format,
        line_thickness=line_thickness,
        text_thickness=text_thickness,
        font_scale=font_scale,
        data_format="channels_last",
    )
    plotted = images
    if y_true is not None:
        plotted = draw(
            plotted, y_true, color=true_color, class_mapping=ground_truth_mapping
        )
    if y_pred is not None:
        plotted = draw(
            plotted, y_pred, color=pred_color, class_mapping=prediction_mapping
        )
    if legend:
        if legend_handles:
            raise ValueError(
                "Only pass `legend` OR `legend_handles` to "
                "`keras.visualization.plot_bounding_box_gallery()`."
            )
        legend_handles = [
            patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction"),
        ]
    return plot_image_gallery(
        plotted,
        value_range=value_range,
        legend_handles=legend_handles,
        rows=rows,
        cols=cols,
        data_format="channels_last",
        **kwargs,
    )
