"""`kerasish.utils`: seeds, data helpers, progress bar."""

from kerasish.backend.common import clear_session, is_keras_tensor
from kerasish.backend.dtypes import standardize_dtype
from kerasish.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from kerasish.utils.config_utils import Config
from kerasish.utils.graph_utils import get_source_inputs
from kerasish.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from kerasish.utils.numerical_utils import normalize, to_categorical
from kerasish.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from kerasish.utils.plot_model import model_to_dot, plot_model
from kerasish.utils.plotting import plot_history
from kerasish.utils.progbar import Progbar
from kerasish.utils.seed import set_random_seed
from kerasish.utils.sequence_utils import pad_sequences
from kerasish.utils.serialization import deserialize_keras_object


def __getattr__(name):
    # PyDataset lives with the trainer's data adapters; imported lazily to keep
    # `kerasish.utils` importable from the layers below the trainer.
    if name in ("PyDataset", "Sequence"):  # Keras: `Sequence` is `PyDataset`.
        from kerasish.trainers.data_adapters import PyDataset

        return PyDataset
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
]
