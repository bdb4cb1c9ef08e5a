"""kerasish: a Keras-style deep-learning library over a pluggable engine (JAX).

`import kerasish as keras` runs Keras 3 code: `keras.Sequential`, `keras.layers`,
`model.compile(...)`, `model.fit(...)`.
"""

from kerasish import (
    activations,
    callbacks,
    config,
    constraints,
    datasets,
    export,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
    visualization,
    wrappers,
)
from kerasish.layers import Input, Layer
from kerasish.models import Model, Sequential
from kerasish.variables import Variable

__version__ = "0.1.0"

__all__ = [
    "Input",
    "Layer",
    "Model",
    "Sequential",
    "Variable",
    "activations",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "export",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "utils",
    "visualization",
    "wrappers",
    "__version__",
]
