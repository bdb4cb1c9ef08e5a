"""`kerasish.preprocessing`: Keras's aliases for the dataset and image utilities."""

from kerasish.preprocessing import image, sequence


def __getattr__(name):
    # The dataset builders import the trainer's PyDataset: loaded on first use.
    if name in (
        "image_dataset_from_directory",
        "text_dataset_from_directory",
        "timeseries_dataset_from_array",
    ):
        from kerasish import utils

        return getattr(utils, name)
    raise AttributeError(f"module 'kerasish.preprocessing' has no attribute {name!r}")


__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
