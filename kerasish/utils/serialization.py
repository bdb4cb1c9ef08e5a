"""`deserialize_keras_object` with Keras's signature (kept in `kerasish.saving`)."""

from kerasish.saving.serialization import deserialize_keras_object

__all__ = ["deserialize_keras_object"]
