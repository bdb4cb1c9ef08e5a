"""`kerasish.saving`: whole-model files, weights files and config (de)serialization.

`model.save("m.keras")` / `load_model("m.keras")` use Keras 3's `.keras` zip
archive (`metadata.json`, `config.json`, `model.weights.h5`, `assets/`);
`save_weights` / `load_weights` use Keras's `.weights.h5` (kerasish's earlier
`.weights.npz` still works). Loading runs no code, unpickles nothing and opens
no path a file names.
"""

from kerasish.saving.file_editor import KerasFileEditor
from kerasish.saving.saving_api import (
    load_model,
    load_weights,
    save_model,
    save_weights,
)
from kerasish.saving.serialization import deserialize_keras_object
from kerasish.serialization import (
    CustomObjectScope,
    SafeModeScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope",
    "KerasFileEditor",
    "SafeModeScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
