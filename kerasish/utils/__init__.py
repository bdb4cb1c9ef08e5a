"""`kerasish.utils`: Keras's public `keras.utils` namespace.

Seeds, dataset builders, `FeatureSpace`, `get_file`, image and sequence helpers,
plotting, the progress bar and the serialization names. This package sits high in
kerasish's package order (above the models): nothing in kerasish imports it. The
low-level helpers the other packages share live in `kerasish.common`; the public
ones are re-exported here.
"""

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
from kerasish.trainers.data_adapters import PyDataset
from kerasish.utils import bounding_boxes
from kerasish.utils.audio_dataset_utils import audio_dataset_from_directory
from kerasish.utils.dataset_utils import split_dataset
from kerasish.utils.feature_space import FeatureSpace
from kerasish.utils.file_utils import get_file
from kerasish.utils.image_dataset_utils import image_dataset_from_directory
from kerasish.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from kerasish.utils.plot_model import model_to_dot, plot_model
from kerasish.utils.sequence_utils import pad_sequences
from kerasish.utils.serialization import deserialize_keras_object
from kerasish.utils.text_dataset_utils import text_dataset_from_directory
from kerasish.utils.timeseries_dataset_utils import timeseries_dataset_from_array

# Keras: `Sequence` is `PyDataset`.
Sequence = PyDataset

__all__ = [
    "bounding_boxes",
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
    "FeatureSpace",
    "array_to_img",
    "audio_dataset_from_directory",
    "get_file",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "save_img",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
