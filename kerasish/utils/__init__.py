"""`kerasish.utils`: seeds, data helpers, progress bar."""

from kerasish.utils.plot_model import model_to_dot, plot_model
from kerasish.utils.plotting import plot_history
from kerasish.utils.progbar import Progbar
from kerasish.utils.seed import set_random_seed

# Names whose modules import the trainer (PyDataset) or optional packages; loaded
# on first use.
_LAZY = {
    "get_file": "kerasish.utils.file_utils",
    "image_dataset_from_directory": "kerasish.utils.image_dataset_utils",
    "text_dataset_from_directory": "kerasish.utils.text_dataset_utils",
    "audio_dataset_from_directory": "kerasish.utils.audio_dataset_utils",
    "timeseries_dataset_from_array": "kerasish.utils.timeseries_dataset_utils",
    "split_dataset": "kerasish.utils.dataset_utils",
    "load_img": "kerasish.utils.image_utils",
    "img_to_array": "kerasish.utils.image_utils",
    "array_to_img": "kerasish.utils.image_utils",
    "save_img": "kerasish.utils.image_utils",
    "FeatureSpace": "kerasish.utils.feature_space",
}


def __getattr__(name):
    # PyDataset lives with the trainer's data adapters; imported lazily to keep
    # `kerasish.utils` importable from the layers below the trainer.
    if name == "PyDataset":
        from kerasish.trainers.data_adapters import PyDataset

        return PyDataset
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kerasish.utils' has no attribute {name!r}")


__all__ = [
    "Progbar",
    "PyDataset",
    "model_to_dot",
    "plot_history",
    "plot_model",
    "set_random_seed",
    *_LAZY,
]
