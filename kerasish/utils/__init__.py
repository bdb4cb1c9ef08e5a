"""`kerasish.utils`: seeds, data helpers, progress bar."""

from kerasish.backend.common import clear_session, is_keras_tensor
from kerasish.backend.dtypes import standardize_dtype
from kerasish.common.config_utils import Config
from kerasish.common.graph_utils import get_source_inputs
from kerasish.common.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from kerasish.common.numerical_utils import normalize, to_categorical
from kerasish.common.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from kerasish.common.plotting import plot_history
from kerasish.common.progbar import Progbar
from kerasish.common.seed import set_random_seed
from kerasish.serialization import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from kerasish.utils.plot_model import model_to_dot, plot_model
from kerasish.utils.sequence_utils import pad_sequences
from kerasish.utils.serialization import deserialize_keras_object

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
    if name in ("PyDataset", "Sequence"):  # Keras: `Sequence` is `PyDataset`.
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
    "Config",
    "CustomObjectScope",
    "Sequence",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "register_keras_serializable",
    "serialize_keras_object",
    "standardize_dtype",
    "to_categorical",
    "unpack_x_y_sample_weight",
    *_LAZY,
]
