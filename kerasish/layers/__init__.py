"""`kerasish.layers`: the layer classes, with Keras's names."""

from kerasish.layers.core.activation import Activation
from kerasish.layers.core.dense import Dense
from kerasish.layers.core.embedding import Embedding
from kerasish.layers.core.identity import Identity
from kerasish.layers.core.lambda_layer import Lambda
from kerasish.layers.input_layer import Input, InputLayer
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.regularization.dropout import Dropout
from kerasish.layers.reshaping.flatten import Flatten
from kerasish.layers.reshaping.reshape import Reshape

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "Lambda",
    "Layer",
    "Reshape",
]
