"""`kerasish.applications.resnet50`: ResNet50 alone (as Keras's module)."""

from kerasish.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
